import { createHash } from 'node:crypto';
import { BackupClient, DescribeRestoreJobCommand } from '@aws-sdk/client-backup';
import { AddTagsToResourceCommand, type DBInstance, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { rdsConnectionConfig, readDatabaseSecret } from '../../validation/aws';
import type {
  DatabaseConnection,
  DeletionStatus,
  RecoverySource,
  RestoreHandle,
  RestoreProvider,
  RestoreStatus,
  SourceSelector,
} from '../provider';
import { isNotFound, RefusedError } from './errors';
import { findRecoverySource } from './recovery-source';
import { DRILL_INSTANCE_PREFIX, DRILL_TAG, FleetDatabase } from './types';

/** Where and how drills restore (Lambda environment, set by the construct). */
export interface AwsDrillSettings {
  /** The recovery vault (recovery region). */
  readonly vaultName: string;
  /** Role AWS Backup assumes for the restore job (may create only `rxdr-drill-*` instances). */
  readonly restoreRoleArn: string;
  /** DB subnet group of the drill network (isolated subnets). */
  readonly subnetGroupName: string;
  /** Security group(s) of restored instances: ingress only from the validator. */
  readonly securityGroupIds: readonly string[];
  /** The recovery CMK: restored instances must be encrypted with it (checked, invariant 9). */
  readonly kmsKeyArn: string;
  readonly instanceClass: string;
  /** The isolated vault in this account and region (logically air-gapped): restored from while the recovery vault is declared lost. */
  readonly isolatedVaultName?: string;
  /** SSM parameter whose existence declares the recovery vault lost (a game day or an incident writes it). */
  readonly vaultLostParameterName?: string;
}

export interface AwsClients {
  readonly rds: RDSClient;
  readonly backup: BackupClient;
  readonly secrets: SecretsManagerClient;
  readonly ssm: SSMClient;
}

/** RDS states from which an instance or a cluster never becomes available by itself. */
export const FAILED_STATES = new Set([
  'failed',
  'incompatible-restore',
  'incompatible-parameters',
  'incompatible-network',
  'incompatible-option-group',
  'inaccessible-encryption-credentials',
  'storage-full',
  'restore-error',
]);

/** The DB instance identifier of a drill: deterministic per drill id (idempotent restores), ≤ 63 characters. */
export function drillInstanceId(database: string, drillId: string): string {
  const hash = createHash('sha256').update(drillId).digest('hex').slice(0, 10);
  return `${DRILL_INSTANCE_PREFIX}${database}-${hash}`.replace(/-+/g, '-');
}

type Tags = { Key?: string; Value?: string }[] | undefined;

/**
 * What the instance and the cluster `RestoreProvider`s over AWS Backup and RDS share: the recovery source, the
 * drill's restore job, the drill tag (and claiming what the drill's own restore job created, which AWS Backup cannot
 * tag), the connection through the secret, and deletion requests that RDS may refuse while the resource is busy.
 */
export abstract class AwsRestoreProviderBase implements RestoreProvider {
  readonly name = 'aws';

  constructor(
    protected readonly clients: AwsClients,
    protected readonly settings: AwsDrillSettings,
    protected readonly database: FleetDatabase,
    /** The execution ARN: the drill tag's value. */
    protected readonly tagValue: string,
  ) {}

  abstract startRestore(source: RecoverySource, drillId: string): Promise<RestoreHandle>;
  abstract describeRestore(handle: RestoreHandle): Promise<RestoreStatus>;
  abstract deleteRestored(handle: RestoreHandle): Promise<void>;
  abstract describeDeletion(handle: RestoreHandle): Promise<DeletionStatus>;

  /** The endpoint the validator connects to, or undefined (`subject` names the resource in the error). */
  protected abstract endpoint(id: string): Promise<{ host?: string; port?: number; subject: string }>;

  findSource(database: string, selector: SourceSelector): Promise<RecoverySource> {
    return findRecoverySource(this.clients, this.settings, this.database, database, selector);
  }

  async connection(handle: RestoreHandle): Promise<DatabaseConnection> {
    const { host, port: endpointPort, subject } = await this.endpoint(handle.id);
    if (!host) throw new Error(`${subject} has no endpoint`);
    const port = endpointPort ?? 5432;
    const secret = await readDatabaseSecret(this.clients.secrets, this.database.secretId);
    const database = secret.dbname ?? this.database.databaseName;
    const url = rdsConnectionConfig({ host, port, database, user: secret.username, password: secret.password });
    return { url, display: `${host}:${port}/${database}` };
  }

  /** While the restored resource is not visible: how the drill's restore job is doing (`what` is not visible yet). */
  protected async restoreJobStatus(handle: RestoreHandle, what: string): Promise<RestoreStatus> {
    const jobId = handle.details.restoreJobId;
    if (!jobId) return { state: 'pending', detail: `${what} not visible yet` };
    const job = await this.clients.backup.send(new DescribeRestoreJobCommand({ RestoreJobId: jobId }));
    if (job.Status === 'FAILED' || job.Status === 'ABORTED')
      return {
        state: 'failed',
        reason: `AWS Backup restore job ${jobId} ${job.Status}: ${job.StatusMessage ?? 'no message'}`,
      };
    return {
      state: 'pending',
      detail: `restore job ${job.Status ?? 'unknown'}${job.PercentDone ? ` ${job.PercentDone}` : ''}`,
    };
  }

  /** The restored resource is gone; but a restore job that has not created it yet would create it after "deletion". */
  protected async deletionAfterRestoreJob(handle: RestoreHandle): Promise<DeletionStatus> {
    if (!handle.details.restoreJobId) return { state: 'deleted' };
    const job = await this.clients.backup.send(
      new DescribeRestoreJobCommand({ RestoreJobId: handle.details.restoreJobId }),
    );
    return job.Status === 'PENDING' || job.Status === 'RUNNING'
      ? { state: 'deleting', detail: `restore job still ${job.Status}: waiting to delete what it creates` }
      : { state: 'deleted' };
  }

  /**
   * AWS Backup cannot tag what it restores: tag the resource (`arn`) the drill's own restore job created, and nothing
   * else (the job's CreatedResourceArn must be it). `subject` names the resource in the refusal.
   */
  protected async claim<T extends { TagList?: Tags }>(
    handle: RestoreHandle,
    resource: T,
    arn: string | undefined,
    subject: string,
  ): Promise<T> {
    const jobId = handle.details.restoreJobId;
    const refuse = (why: string) =>
      new RefusedError(`${subject} does not carry ${DRILL_TAG}=${this.tagValue} and ${why}; refusing to touch it`);
    if (!jobId || !arn) throw refuse('was not created by an AWS Backup restore job of this drill');
    const job = await this.clients.backup.send(new DescribeRestoreJobCommand({ RestoreJobId: jobId }));
    if (job.CreatedResourceArn !== arn)
      throw refuse(`restore job ${jobId} created ${job.CreatedResourceArn ?? 'nothing yet'}`);
    const tag = { Key: DRILL_TAG, Value: this.tagValue };
    await this.clients.rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [tag] }));
    return { ...resource, TagList: [...(resource.TagList ?? []), tag] };
  }

  protected carriesTag(tags: Tags): boolean {
    return (tags ?? []).some((tag) => tag.Key === DRILL_TAG && tag.Value === this.tagValue);
  }

  /** A deletion request: true when sent (or the resource is gone), false when RDS refuses for now (busy). */
  protected async requestDeletion(send: () => Promise<unknown>, notFound: string, busy: string): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      if (isNotFound(error, notFound)) return true;
      if (isNotFound(error, busy)) return false;
      throw error;
    }
  }

  protected async describeInstance(id: string): Promise<DBInstance | undefined> {
    try {
      const result = await this.clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
      return result.DBInstances?.[0];
    } catch (error) {
      if (isNotFound(error, 'DBInstanceNotFound')) return undefined;
      throw error;
    }
  }
}
