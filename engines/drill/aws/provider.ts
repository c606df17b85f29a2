import { StartRestoreJobCommand } from '@aws-sdk/client-backup';
import { DBInstance, DeleteDBInstanceCommand, RestoreDBInstanceToPointInTimeCommand } from '@aws-sdk/client-rds';
import type { DeletionStatus, RecoverySource, RestoreHandle, RestoreStatus } from '../provider';
import { isNotFound, RefusedError } from './errors';
import { AwsRestoreProviderBase, drillInstanceId, FAILED_STATES } from './restore-provider-base';
import { isolationChecks, restoredInstanceTarget } from './restored-instance';
import { DRILL_TAG } from './types';

/**
 * `RestoreProvider` over AWS Backup and RDS (recovery region). Every restored instance is named
 * `rxdr-drill-…`, tagged `rxdr:drill=<execution ARN>`, placed in the drill network, single-AZ, private and
 * without deletion protection; nothing is deleted unless it carries that tag.
 */
export class AwsRestoreProvider extends AwsRestoreProviderBase {
  async startRestore(source: RecoverySource, drillId: string): Promise<RestoreHandle> {
    const id = drillInstanceId(this.database.name, drillId);
    const existing = await this.describeInstance(id);
    if (existing && !this.carriesTag(existing.TagList) && source.kind === 'point-in-time') {
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
    let instance = await this.describeInstance(handle.id);
    if (!instance) return this.restoreJobStatus(handle, 'instance');
    if (!this.carriesTag(instance.TagList)) instance = await this.claimInstance(handle, instance);
    const status = instance.DBInstanceStatus ?? 'unknown';
    if (FAILED_STATES.has(status)) return { state: 'failed', reason: `${handle.id} is ${status}` };
    if (status !== 'available') return { state: 'pending', detail: status };
    return {
      state: 'available',
      target: restoredInstanceTarget(instance),
      checks: isolationChecks(instance, this.settings),
    };
  }

  async deleteRestored(handle: RestoreHandle): Promise<void> {
    let instance = await this.describeInstance(handle.id);
    if (!instance || instance.DBInstanceStatus === 'deleting') return;
    if (!this.carriesTag(instance.TagList)) instance = await this.claimInstance(handle, instance);
    await this.delete(instance);
  }

  async describeDeletion(handle: RestoreHandle): Promise<DeletionStatus> {
    const instance = await this.describeInstance(handle.id);
    if (!instance) return this.deletionAfterRestoreJob(handle);
    const status = instance.DBInstanceStatus ?? 'unknown';
    if (status === 'deleting') return { state: 'deleting', detail: 'deleting' };
    // Deletion was deferred (the instance was busy) or the job finished after cleanup began: ask again.
    const ours = this.carriesTag(instance.TagList) ? instance : await this.claimInstance(handle, instance);
    const requested = await this.delete(ours);
    return { state: 'deleting', detail: requested ? `deletion requested (was ${status})` : `waiting: ${status}` };
  }

  protected async endpoint(id: string): Promise<{ host?: string; port?: number; subject: string }> {
    const instance = await this.describeInstance(id);
    return { host: instance?.Endpoint?.Address, port: instance?.Endpoint?.Port, subject: id };
  }

  /**
   * Delete without a final snapshot, only an instance with our tag. Returns false when RDS refuses for now
   * (InvalidDBInstanceState: still creating, backing up, modifying): `describeDeletion` asks again.
   */
  private async delete(instance: DBInstance): Promise<boolean> {
    if (!this.carriesTag(instance.TagList))
      throw new RefusedError(
        `${instance.DBInstanceIdentifier} does not carry ${DRILL_TAG}=${this.tagValue}; refusing to delete it`,
      );
    return this.requestDeletion(
      () =>
        this.clients.rds.send(
          new DeleteDBInstanceCommand({
            DBInstanceIdentifier: instance.DBInstanceIdentifier,
            SkipFinalSnapshot: true,
            DeleteAutomatedBackups: true,
          }),
        ),
      'DBInstanceNotFound',
      'InvalidDBInstanceState',
    );
  }

  private claimInstance(handle: RestoreHandle, instance: DBInstance): Promise<DBInstance> {
    return this.claim(handle, instance, instance.DBInstanceArn, handle.id);
  }
}
