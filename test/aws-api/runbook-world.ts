import { RDSClient, StopDBInstanceCommand } from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { route53Value } from '../../engines/failover/aws-helpers';
import { Catalog as CatalogSchema, type Catalog } from '../../engines/failover/catalog';
import type { StepDeps } from '../../engines/failover/clients';
import type { FailoverState, Plan } from '../../engines/failover/failover-steps';
import { awsClients, makeHandler, tcpProbe } from '../../engines/failover/runbook-handler';
import {
  ACCOUNT,
  createDispensingReplica,
  createKey,
  createNetwork,
  createPrimaryInstance,
  PRIMARY,
  recordCalls,
  RECOVERY,
  type Network,
  type RecordedCall,
} from './moto';

/**
 * A tier-1 database's account in moto, as the failover and failback runbooks find it: the primary in us-east-1,
 * its encrypted cross-region read replica in us-west-2, the recovery network published by the standby stack,
 * the replicated credentials secret, the endpoint parameter and CNAME that clients follow, the evidence
 * bucket and the alerts topic. The runbook's clients are built exactly as its Lambda builds them.
 */
export interface RunbookWorld {
  readonly catalog: Catalog;
  readonly deps: StepDeps;
  readonly calls: RecordedCall[];
  readonly network: Network;
  readonly primaryNetwork: Network;
  readonly primaryHost: string;
  readonly zoneId: string;
}

export const RECORD = 'dispensing.db.rx.internal';
export const PARAMETER = '/rx/dispensing/endpoint';
export const SECRET = 'rxdr/dispensing';
export const BUCKET = 'rxdr-evidence';
export const NETWORK_PARAMETER = '/rxdr/prod/recovery-network';

const east = new RDSClient({ region: PRIMARY });
const west = new RDSClient({ region: RECOVERY });

export async function runbookWorld(): Promise<RunbookWorld> {
  const [primaryKeyArn, recoveryKeyArn] = [await createKey(PRIMARY), await createKey(RECOVERY)];
  const primaryNetwork = await createNetwork(east, PRIMARY, 'rxdr-db', '10.10');
  const network = await createNetwork(west, RECOVERY, 'rxdr-recovery-db', '10.20');
  const primary = await createPrimaryInstance(east, {
    DBInstanceIdentifier: 'dispensing',
    KmsKeyId: primaryKeyArn,
    DBSubnetGroupName: primaryNetwork.subnetGroupName,
    VpcSecurityGroupIds: [primaryNetwork.securityGroupId],
  });
  await createDispensingReplica(west, primary.DBInstance?.DBInstanceArn ?? '', recoveryKeyArn);
  const primaryHost = primary.DBInstance?.Endpoint?.Address ?? '';
  const ssm = new SSMClient({ region: RECOVERY });
  await ssm.send(new PutParameterCommand({ Name: PARAMETER, Type: 'String', Value: primaryHost }));
  await ssm.send(
    new PutParameterCommand({
      Name: NETWORK_PARAMETER,
      Type: 'String',
      Value: JSON.stringify({ subnetGroupName: network.subnetGroupName, securityGroupIds: [network.securityGroupId] }),
    }),
  );
  const secret = await new SecretsManagerClient({ region: RECOVERY }).send(
    new CreateSecretCommand({
      Name: SECRET,
      SecretString: JSON.stringify({
        engine: 'postgres',
        username: 'rx_app',
        password: 'not-a-real-password',
        host: primaryHost,
        port: 5432,
        dbname: 'pharmacy',
      }),
    }),
  );
  const route53 = new Route53Client({ region: RECOVERY });
  const zone = await route53.send(
    new CreateHostedZoneCommand({ Name: 'db.rx.internal', CallerReference: 'rxdr-test' }),
  );
  const zoneId = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
  await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: {
        Changes: [
          {
            Action: 'CREATE',
            ResourceRecordSet: {
              Name: `${RECORD}.`,
              Type: 'CNAME',
              TTL: 30,
              ResourceRecords: [{ Value: primaryHost }],
            },
          },
        ],
      },
    }),
  );
  await new S3Client({ region: RECOVERY }).send(
    new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: RECOVERY } }),
  );
  const topic = await new SNSClient({ region: RECOVERY }).send(new CreateTopicCommand({ Name: 'rxdr-alerts' }));

  const catalog = CatalogSchema.parse({
    environment: 'prod',
    account: ACCOUNT,
    primaryRegion: PRIMARY,
    recoveryRegion: RECOVERY,
    recoveryKeyArn,
    primaryKeyArn,
    recoveryVaultName: 'rxdr-recovery',
    backupRestoreRoleArn: `arn:aws:iam::${ACCOUNT}:role/rxdr-restore`,
    evidenceBucket: BUCKET,
    topicArn: topic.TopicArn,
    approvalParameterPrefix: '/rxdr/prod/approvals',
    writeFreezeParameterPrefix: '/rxdr/prod/write-freeze',
    toolVersion: '0.1.0',
    recoveryNetworkParameterName: NETWORK_PARAMETER,
    databases: [
      {
        name: 'dispensing',
        tier: 1,
        rtoSeconds: 3600,
        rpoSeconds: 300,
        defaultStrategy: 'promote-replica',
        primaryInstanceIdentifier: 'dispensing',
        replicaInstanceIdentifier: 'dispensing-replica',
        recoveredInstanceIdentifier: 'dispensing-recovered',
        failbackInstanceIdentifier: 'dispensing-failback',
        primarySubnetGroupName: primaryNetwork.subnetGroupName,
        primarySecurityGroupIds: [primaryNetwork.securityGroupId],
        repoint: {
          secretArn: secret.ARN,
          route53: { hostedZoneId: zoneId, recordName: RECORD, ttl: 30 },
          parameterName: PARAMETER,
        },
      },
    ],
  });
  const clients = awsClients(catalog);
  const calls = recordCalls(clients as unknown as Parameters<typeof recordCalls>[0]);
  return {
    catalog,
    deps: { catalog, clients, clock: { now: () => new Date() }, probe: tcpProbe },
    calls,
    network,
    primaryNetwork,
    primaryHost,
    zoneId,
  };
}

/** The disaster: the primary stops answering (moto: a stopped instance). */
export async function losePrimary(): Promise<void> {
  await east.send(new StopDBInstanceCommand({ DBInstanceIdentifier: 'dispensing' }));
}

/** Where clients are pointed now: CNAME, parameter, secret host (read from moto). */
export async function pointers(
  w: RunbookWorld,
): Promise<{ record?: string; parameter?: string; secret: Record<string, unknown> }> {
  const { clients } = w.deps;
  const parameter = (await clients.ssm.send(new GetParameterCommand({ Name: PARAMETER }))).Parameter?.Value;
  const secret = JSON.parse(
    (await clients.secrets.send(new GetSecretValueCommand({ SecretId: SECRET }))).SecretString ?? '{}',
  ) as Record<string, unknown>;
  return { record: await route53Value(clients.route53, w.zoneId, RECORD), parameter, secret };
}

export async function evidenceAt(location: string): Promise<Record<string, unknown>> {
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(location) ?? [];
  const out = await new S3Client({ region: RECOVERY }).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse((await out.Body?.transformToString()) ?? '{}') as Record<string, unknown>;
}

export type State = Record<string, unknown> & { input: Record<string, unknown>; execution: FailoverState['execution'] };

/** A failover execution's input, as `rxdr failover start|plan` sends it. */
export function start(strategy: 'promote-replica' | 'point-in-time', dryRun = false): State {
  return {
    input: {
      database: 'dispensing',
      strategy,
      dryRun,
      reason: 'us-east-1 outage, RDS unreachable',
      startedBy: `arn:aws:iam::${ACCOUNT}:role/oncall`,
    },
    execution: {
      id: `arn:aws:states:${RECOVERY}:${ACCOUNT}:execution:rxdr-failover:run-1`,
      name: 'run-1',
      startTime: new Date().toISOString(),
    },
  };
}

/** One Task of a runbook state machine: the Lambda's dispatcher over the world's clients. */
export function runbookTask(
  operation: 'failover' | 'failback',
  w: RunbookWorld,
  action: string,
  state: State,
  extra: Record<string, unknown> = {},
): Promise<unknown> {
  return makeHandler(operation, w.deps)({ action, state, ...extra });
}

/** Approval as `rxdr failover|failback approve` hands it to the state machine (SendTaskSuccess). */
export const approval = () => ({
  approvedBy: `arn:aws:iam::${ACCOUNT}:user/pharmacist-on-call`,
  approvedAt: new Date().toISOString(),
});

/** The plan preflight makes in AWS for a point-in-time failover to the latest restorable time. */
export function pointInTimePlan(): Plan {
  const now = new Date().toISOString();
  return {
    startedAt: now,
    endedAt: now,
    database: 'dispensing',
    strategy: 'point-in-time',
    tier: 1,
    rtoSeconds: 3600,
    rpoSeconds: 300,
    primary: {
      identifier: 'dispensing',
      status: 'stopped',
      healthy: false,
      detail: 'primary dispensing is stopped in us-east-1',
    },
    source: {
      kind: 'point-in-time',
      id: `arn:aws:rds:${RECOVERY}:${ACCOUNT}:auto-backup:ab-dispensing`,
      recoveryPointTime: now,
    },
    targetInstanceIdentifier: 'dispensing-recovered',
    recoveryAlreadyStarted: false,
    expectedDataLossSeconds: 0,
    expectedDurationSeconds: 2580,
    checks: [],
    blockers: [],
    warnings: [],
    refused: false,
    decision: 'proceed',
    steps: [],
  };
}

/**
 * After a failover: `dispensing-recovered`, a standalone instance in the recovery network of us-west-2, is the
 * primary, and the failover's own repoint task has pointed clients at it. The instance is created directly:
 * moto's point-in-time restore copies whichever instance the region holds, replica fields included, and its
 * PromoteReadReplica leaves them set, so neither yields a standalone primary there.
 */
export async function failedOver(w: RunbookWorld): Promise<string> {
  await losePrimary();
  const created = await createPrimaryInstance(west, {
    DBInstanceIdentifier: 'dispensing-recovered',
    KmsKeyId: w.catalog.recoveryKeyArn,
    DBSubnetGroupName: w.network.subnetGroupName,
    VpcSecurityGroupIds: [w.network.securityGroupId],
    Tags: [
      { Key: 'rxdr:failover-execution', Value: 'run-1' },
      { Key: 'rxdr:database', Value: 'dispensing' },
    ],
  });
  const endpoint = { host: created.DBInstance?.Endpoint?.Address ?? '', port: 5432 };
  const now = new Date().toISOString();
  const recovery = recoveredDispensing(endpoint, now);
  const validation = { startedAt: now, endedAt: now, passed: true, checks: [] };
  await runbookTask('failover', w, 'repoint', {
    ...start('point-in-time'),
    plan: pointInTimePlan(),
    approval: approval(),
    recovery,
    validation,
  });
  w.calls.length = 0;
  return endpoint.host;
}

export { east, west };

/** The recover step's result for an instance `dispensing-recovered` that became available at `now`. */
export function recoveredDispensing(endpoint: { host: string; port: number }, now = new Date().toISOString()) {
  return {
    startedAt: now,
    endedAt: now,
    instanceIdentifier: 'dispensing-recovered',
    outcome: 'done',
    polls: 1,
    waitSeconds: 5,
    status: 'available',
    availableAt: now,
    endpoint,
  };
}
