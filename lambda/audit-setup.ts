import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { applyAuditSetup } from '../engines/database/audit-setup';
import { auditedTables, parseAuditSetupEvent } from '../engines/database/audit-setup-event';
import { databaseConfig } from '../engines/validation/aws';
import { connect } from '../engines/validation/db';

/*
 * The audit setup custom resource (runs in the database's isolated subnets at deploy): pgaudit's role,
 * object-audit grants and extension (`applyAuditSetup`), over TLS verified against the RDS CA bundle.
 * Deleting the resource leaves the audit in place: audit is never switched off by a stack change.
 */
const secrets = new SecretsManagerClient({ maxAttempts: 3 });
const logger = new Logger({ serviceName: 'rxdr-audit-setup' });

export async function handler(event: unknown): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  const request = parseAuditSetupEvent(event);
  const props = request.ResourceProperties;
  const physicalId = `${props.Host}/${props.Database}`;
  if (request.RequestType === 'Delete') return { PhysicalResourceId: request.PhysicalResourceId ?? physicalId };
  const target = await databaseConfig(secrets, {
    secretArn: props.SecretArn,
    host: props.Host,
    port: props.Port,
    database: props.Database,
  });
  const client = await connect(target);
  try {
    const result = await applyAuditSetup(client, auditedTables(props.Tables));
    logger.info('pgaudit in place', { ...result });
    const missing = result.tables.filter((t) => t.grant === 'missing').map((t) => t.table);
    if (missing.length > 0)
      logger.warn('audited tables not in the database yet: granted at the next deploy', { missing });
    return { PhysicalResourceId: physicalId, Data: { MissingTables: missing.join(',') } };
  } finally {
    await client.end();
  }
}
