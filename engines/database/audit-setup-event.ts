import { z } from 'zod';
import { AuditedTable } from './audit-setup';

/**
 * The custom resource's properties (CloudFormation passes every value as a string): the credentials secret
 * (RDS format), the instance's endpoint and the tables to audit as `schema.table`.
 */
const properties = z.object({
  SecretArn: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:/, 'must be a Secrets Manager secret ARN'),
  Host: z.string().min(1),
  Port: z.coerce.number().int().min(1).max(65535),
  Database: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/, 'must be a database name'),
  Tables: z.array(z.string().regex(/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/, 'must be schema.table')).default([]),
});

export const auditSetupEventSchema = z.object({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  PhysicalResourceId: z.string().optional(),
  ResourceProperties: properties,
});

export type AuditSetupEvent = z.infer<typeof auditSetupEventSchema>;

export function parseAuditSetupEvent(event: unknown): AuditSetupEvent {
  const result = auditSetupEventSchema.safeParse(event);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`invalid audit setup event: ${issues.join('; ')}`);
}

export function auditedTables(names: readonly string[]): AuditedTable[] {
  return names.map((name) => {
    const [schema = '', table = ''] = name.split('.');
    return { schema, table };
  });
}
