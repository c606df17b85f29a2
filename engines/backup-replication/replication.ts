import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  DescribeDBInstancesCommand,
  RDSClient,
  StartDBInstanceAutomatedBackupsReplicationCommand,
  StopDBInstanceAutomatedBackupsReplicationCommand,
} from '@aws-sdk/client-rds';
import { RetryOptions, sleep, withThrottlingRetry } from './retry';

/** One source instance whose automated backups are replicated to one destination region. */
export interface ReplicationTarget {
  /** ARN of the source DB instance (primary region). */
  readonly sourceDbInstanceArn: string;
  /** Region the backups are replicated to (where Start/Stop must be called). */
  readonly destinationRegion: string;
  /** Key in the destination region: a key ARN, or an alias ARN that is resolved to the key ARN RDS expects. */
  readonly kmsKeyId: string;
  /** Days the replicated backups (and so point-in-time restore in the destination) are kept, 1-35. */
  readonly retentionDays: number;
}

export interface ReplicationClients {
  /** RDS in the source instance's region: reads which regions it already replicates to. */
  readonly source: RDSClient;
  /** RDS in the destination region: Start and Stop are called there, with the source ARN. */
  readonly destination: RDSClient;
  /** KMS in the destination region. */
  readonly kms: KMSClient;
}

export interface ReplicationOptions {
  readonly retry?: RetryOptions;
  /** Polls while waiting for a stopped replication to go away before restarting it. @default 30 */
  readonly stopPolls?: number;
  /** @default 10 s */
  readonly stopPollIntervalMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface StartResult {
  /** ARN of the replicated automated backups in the destination region, when RDS has reported it. */
  readonly replicatedBackupsArn?: string;
  /** False when the instance already replicated to the destination region (nothing was changed). */
  readonly started: boolean;
}

/** `arn:aws:rds:us-east-1:111111111111:db:name` → `us-east-1`. */
export function regionOfArn(arn: string): string {
  const region = arn.split(':')[3];
  if (!region) throw new Error(`not an ARN with a region: "${arn}"`);
  return region;
}

/**
 * The ARN of the source instance's replicated automated backups in the destination region, or undefined
 * when it does not replicate there. Throws DBInstanceNotFoundFault when the instance does not exist.
 */
export async function replicationTo(
  clients: ReplicationClients,
  target: ReplicationTarget,
  options: ReplicationOptions = {},
): Promise<string | undefined> {
  const described = await withThrottlingRetry(
    () => clients.source.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: target.sourceDbInstanceArn })),
    options.retry,
  );
  const instance = described.DBInstances?.[0];
  if (!instance) throw new Error(`RDS did not describe ${target.sourceDbInstanceArn}`);
  return (instance.DBInstanceAutomatedBackupsReplications ?? [])
    .map((replication) => replication.DBInstanceAutomatedBackupsArn)
    .find((arn): arn is string => typeof arn === 'string' && regionOfArn(arn) === target.destinationRegion);
}

/** Resolve an alias ARN (or key ARN) to the key ARN, in the destination region. */
export async function resolveKeyArn(kms: KMSClient, keyId: string, options: ReplicationOptions = {}): Promise<string> {
  const described = await withThrottlingRetry(() => kms.send(new DescribeKeyCommand({ KeyId: keyId })), options.retry);
  const arn = described.KeyMetadata?.Arn;
  if (!arn) throw new Error(`KMS did not describe the key ${keyId}`);
  if (described.KeyMetadata?.KeyState !== undefined && described.KeyMetadata.KeyState !== 'Enabled') {
    throw new Error(`the destination key ${arn} is ${described.KeyMetadata.KeyState}, not Enabled`);
  }
  return arn;
}

/**
 * Start replicating the instance's automated backups to the destination region, encrypted with the
 * destination key. Idempotent: an instance that already replicates there is left as it is.
 */
export async function startReplication(
  clients: ReplicationClients,
  target: ReplicationTarget,
  options: ReplicationOptions = {},
): Promise<StartResult> {
  if (regionOfArn(target.sourceDbInstanceArn) === target.destinationRegion) {
    throw new Error(
      `the destination region must differ from the source instance's region (${target.destinationRegion})`,
    );
  }
  const existing = await replicationTo(clients, target, options);
  if (existing) return { replicatedBackupsArn: existing, started: false };
  const keyArn = await resolveKeyArn(clients.kms, target.kmsKeyId, options);
  const started = await withThrottlingRetry(
    () =>
      clients.destination.send(
        new StartDBInstanceAutomatedBackupsReplicationCommand({
          SourceDBInstanceArn: target.sourceDbInstanceArn,
          KmsKeyId: keyArn,
          BackupRetentionPeriod: target.retentionDays,
        }),
      ),
    options.retry,
  );
  return { replicatedBackupsArn: started.DBInstanceAutomatedBackup?.DBInstanceAutomatedBackupsArn, started: true };
}

/**
 * Stop replicating to the destination region. The backups already replicated stay until their retention
 * ends. Idempotent: a source that no longer exists or does not replicate there is a no-op.
 */
export async function stopReplication(
  clients: ReplicationClients,
  target: ReplicationTarget,
  options: ReplicationOptions = {},
): Promise<{ readonly stopped: boolean }> {
  let existing: string | undefined;
  try {
    existing = await replicationTo(clients, target, options);
  } catch (error) {
    if ((error as { name?: string }).name === 'DBInstanceNotFoundFault') return { stopped: false };
    throw error;
  }
  if (!existing) return { stopped: false };
  await withThrottlingRetry(
    () =>
      clients.destination.send(
        new StopDBInstanceAutomatedBackupsReplicationCommand({ SourceDBInstanceArn: target.sourceDbInstanceArn }),
      ),
    options.retry,
  );
  return { stopped: true };
}

/**
 * Apply a changed target. A different source or destination is a new resource (CloudFormation then
 * deletes the old one, which stops it); a different key or retention needs the replication restarted,
 * because RDS cannot change either on a running replication.
 */
export async function updateReplication(
  clients: ReplicationClients,
  previous: ReplicationTarget,
  next: ReplicationTarget,
  options: ReplicationOptions = {},
): Promise<StartResult> {
  const sameReplication =
    previous.sourceDbInstanceArn === next.sourceDbInstanceArn && previous.destinationRegion === next.destinationRegion;
  const sameSettings = previous.kmsKeyId === next.kmsKeyId && previous.retentionDays === next.retentionDays;
  if (!sameReplication || sameSettings) return startReplication(clients, next, options);

  const { stopped } = await stopReplication(clients, previous, options);
  if (stopped) {
    const wait = options.sleep ?? sleep;
    const polls = options.stopPolls ?? 30;
    let gone = false;
    for (let poll = 0; poll < polls && !gone; poll += 1) {
      await wait(options.stopPollIntervalMs ?? 10_000);
      gone = (await replicationTo(clients, previous, options)) === undefined;
    }
    if (!gone)
      throw new Error(
        `replication of ${previous.sourceDbInstanceArn} to ${previous.destinationRegion} did not stop within ${polls} polls; retry the deployment`,
      );
  }
  return startReplication(clients, next, options);
}
