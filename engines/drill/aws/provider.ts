import { createHash } from 'node:crypto';
import { BackupClient, DescribeRestoreJobCommand, StartRestoreJobCommand } from '@aws-sdk/client-backup';
import {
  AddTagsToResourceCommand,
  DBInstance,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  RestoreDBInstanceToPointInTimeCommand,
} from '@aws-sdk/client-rds';
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
import { isolationChecks, restoredInstanceTarget } from './restored-instance';
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

/** RDS states from which an instance never becomes available by itself. */
const FAILED_STATES = new Set([
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

/**
 * `RestoreProvider` over AWS Backup and RDS (recovery region). Every restored instance is named
 * `rxdr-drill-…`, tagged `rxdr:drill=<execution ARN>`, placed in the drill network, single-AZ, private and
 * without deletion protection; nothing is deleted unless it carries that tag.
 */
export class AwsRestoreProvider implements RestoreProvider {
  readonly name = 'aws';

  constructor(
    private readonly clients: AwsClients,
    private readonly settings: AwsDrillSettings,
    private readonly database: FleetDatabase,
    /** The execution ARN: the drill tag's value. */
    private readonly tagValue: string,
  ) {}

  findSource(database: string, selector: SourceSelector): Promise<RecoverySource> {
    return findRecoverySource(this.clients, this.settings, this.database, database, selector);
  }

  async startRestore(source: RecoverySource, drillId: string): Promise<RestoreHandle> {
    const id = drillInstanceId(this.database.name, drillId);
    const existing = await this.describe(id);
    if (existing && !this.isOurs(existing) && source.kind === 'point-in-time') {
      throw new RefusedError(
        `${id} already exists without the drill tag ${DRILL_TAG}=${this.tagValue}; refusing to use it`,
      );
    }
    const base = { kind: source.kind, tag: this.tagValue };
    if (source.kind === 'point-in-time') {
      if (!existing) {
        const latest = source.details?.restoreTo === 'latest-restorable-time';
        try {
          await this.clients.rds.send(
            new RestoreDBInstanceToPointInTimeCommand({
              SourceDBInstanceAutomatedBackupsArn: source.id,
              TargetDBInstanceIdentifier: id,
              ...(latest ? { UseLatestRestorableTime: true } : { RestoreTime: new Date(source.recoveryPointTime) }),
              DBInstanceClass: this.settings.instanceClass,
              DBSubnetGroupName: this.settings.subnetGroupName,
              VpcSecurityGroupIds: [...this.settings.securityGroupIds],
              MultiAZ: false,
              PubliclyAccessible: false,
              DeletionProtection: false,
              CopyTagsToSnapshot: false,
              AutoMinorVersionUpgrade: false,
              BackupRetentionPeriod: 0,
              Tags: [{ Key: DRILL_TAG, Value: this.tagValue }],
            }),
          );
        } catch (error) {
          // A retried task after a lost response: the instance exists now; describeRestore checks its tag.
          if (!isNotFound(error, 'DBInstanceAlreadyExists')) throw error;
        }
      }
      return { id, details: base };
    }
    const job = await this.clients.backup.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: source.id,
        IamRoleArn: this.settings.restoreRoleArn,
        IdempotencyToken: drillId,
        ResourceType: 'RDS',
        Metadata: {
          DBInstanceIdentifier: id,
          DBInstanceClass: this.settings.instanceClass,
          DBSubnetGroupName: this.settings.subnetGroupName,
          VpcSecurityGroupIds: JSON.stringify(this.settings.securityGroupIds),
          MultiAZ: 'false',
          PubliclyAccessible: 'false',
          DeletionProtection: 'false',
          CopyTagsToSnapshot: 'false',
          AutoMinorVersionUpgrade: 'false',
        },
      }),
    );
    if (!job.RestoreJobId) throw new Error(`AWS Backup started no restore job for ${source.id}`);
    return { id, details: { ...base, restoreJobId: job.RestoreJobId } };
  }

  async describeRestore(handle: RestoreHandle): Promise<RestoreStatus> {
    let instance = await this.describe(handle.id);
    if (!instance) {
      if (!handle.details.restoreJobId) return { state: 'pending', detail: 'instance not visible yet' };
      const job = await this.clients.backup.send(
        new DescribeRestoreJobCommand({ RestoreJobId: handle.details.restoreJobId }),
      );
      if (job.Status === 'FAILED' || job.Status === 'ABORTED')
        return {
          state: 'failed',
          reason: `AWS Backup restore job ${handle.details.restoreJobId} ${job.Status}: ${job.StatusMessage ?? 'no message'}`,
        };
      return {
        state: 'pending',
        detail: `restore job ${job.Status ?? 'unknown'}${job.PercentDone ? ` ${job.PercentDone}` : ''}`,
      };
    }
    if (!this.isOurs(instance)) instance = await this.claim(handle, instance);
    const status = instance.DBInstanceStatus ?? 'unknown';
    if (FAILED_STATES.has(status)) return { state: 'failed', reason: `${handle.id} is ${status}` };
    if (status !== 'available') return { state: 'pending', detail: status };
    return {
      state: 'available',
      target: restoredInstanceTarget(instance),
      checks: isolationChecks(instance, this.settings),
    };
  }

  async connection(handle: RestoreHandle): Promise<DatabaseConnection> {
    const instance = await this.describe(handle.id);
    const host = instance?.Endpoint?.Address;
    if (!instance || !host) throw new Error(`${handle.id} has no endpoint`);
    const port = instance.Endpoint?.Port ?? 5432;
    const secret = await readDatabaseSecret(this.clients.secrets, this.database.secretId);
    const database = secret.dbname ?? this.database.databaseName;
    const url = rdsConnectionConfig({ host, port, database, user: secret.username, password: secret.password });
    return { url, display: `${host}:${port}/${database}` };
  }

  async deleteRestored(handle: RestoreHandle): Promise<void> {
    let instance = await this.describe(handle.id);
    if (!instance || instance.DBInstanceStatus === 'deleting') return;
    if (!this.isOurs(instance)) instance = await this.claim(handle, instance);
    await this.delete(instance);
  }

  async describeDeletion(handle: RestoreHandle): Promise<DeletionStatus> {
    const instance = await this.describe(handle.id);
    if (!instance) {
      if (!handle.details.restoreJobId) return { state: 'deleted' };
      // A Backup restore job that has not created the instance yet would create it after "deletion".
      const job = await this.clients.backup.send(
        new DescribeRestoreJobCommand({ RestoreJobId: handle.details.restoreJobId }),
      );
      return job.Status === 'PENDING' || job.Status === 'RUNNING'
        ? { state: 'deleting', detail: `restore job still ${job.Status}: waiting to delete what it creates` }
        : { state: 'deleted' };
    }
    const status = instance.DBInstanceStatus ?? 'unknown';
    if (status === 'deleting') return { state: 'deleting', detail: 'deleting' };
    // Deletion was deferred (the instance was busy) or the job finished after cleanup began: ask again.
    const ours = this.isOurs(instance) ? instance : await this.claim(handle, instance);
    const requested = await this.delete(ours);
    return { state: 'deleting', detail: requested ? `deletion requested (was ${status})` : `waiting: ${status}` };
  }

  /**
   * Delete without a final snapshot, only an instance with our tag. Returns false when RDS refuses for now
   * (InvalidDBInstanceState: still creating, backing up, modifying): `describeDeletion` asks again.
   */
  private async delete(instance: DBInstance): Promise<boolean> {
    if (!this.isOurs(instance))
      throw new RefusedError(
        `${instance.DBInstanceIdentifier} does not carry ${DRILL_TAG}=${this.tagValue}; refusing to delete it`,
      );
    try {
      await this.clients.rds.send(
        new DeleteDBInstanceCommand({
          DBInstanceIdentifier: instance.DBInstanceIdentifier,
          SkipFinalSnapshot: true,
          DeleteAutomatedBackups: true,
        }),
      );
      return true;
    } catch (error) {
      if (isNotFound(error, 'DBInstanceNotFound')) return true;
      if (isNotFound(error, 'InvalidDBInstanceState')) return false;
      throw error;
    }
  }

  /**
   * AWS Backup cannot tag what it restores: tag the instance the drill's own restore job created, and
   * nothing else (the job's CreatedResourceArn must be this instance).
   */
  private async claim(handle: RestoreHandle, instance: DBInstance): Promise<DBInstance> {
    const jobId = handle.details.restoreJobId;
    const refuse = (why: string) =>
      new RefusedError(`${handle.id} does not carry ${DRILL_TAG}=${this.tagValue} and ${why}; refusing to touch it`);
    if (!jobId || !instance.DBInstanceArn) throw refuse('was not created by an AWS Backup restore job of this drill');
    const job = await this.clients.backup.send(new DescribeRestoreJobCommand({ RestoreJobId: jobId }));
    if (job.CreatedResourceArn !== instance.DBInstanceArn)
      throw refuse(`restore job ${jobId} created ${job.CreatedResourceArn ?? 'nothing yet'}`);
    await this.clients.rds.send(
      new AddTagsToResourceCommand({
        ResourceName: instance.DBInstanceArn,
        Tags: [{ Key: DRILL_TAG, Value: this.tagValue }],
      }),
    );
    return { ...instance, TagList: [...(instance.TagList ?? []), { Key: DRILL_TAG, Value: this.tagValue }] };
  }

  private isOurs(instance: DBInstance): boolean {
    return (instance.TagList ?? []).some((tag) => tag.Key === DRILL_TAG && tag.Value === this.tagValue);
  }

  private async describe(id: string): Promise<DBInstance | undefined> {
    try {
      const result = await this.clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
      return result.DBInstances?.[0];
    } catch (error) {
      if (isNotFound(error, 'DBInstanceNotFound')) return undefined;
      throw error;
    }
  }
}
