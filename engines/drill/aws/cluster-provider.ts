import { StartRestoreJobCommand } from '@aws-sdk/client-backup';
import {
  CreateDBInstanceCommand,
  type DBCluster,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
} from '@aws-sdk/client-rds';
import type { DeletionStatus, RecoverySource, RestoreHandle, RestoreStatus } from '../provider';
import { isNotFound, RefusedError } from './errors';
import { AwsRestoreProviderBase, drillInstanceId, FAILED_STATES } from './restore-provider-base';
import { clusterIsolationChecks, restoredClusterTarget } from './restored-cluster';
import { DRILL_TAG } from './types';

/** The engine of every protected cluster (the configuration accepts Aurora PostgreSQL only). */
const AURORA_POSTGRESQL = 'aurora-postgresql';

/**
 * `RestoreProvider` for an Aurora PostgreSQL cluster: AWS Backup restores the cluster (only the cluster: Aurora
 * restores create no instance), the drill then adds one instance to it, validates through the cluster endpoint, and
 * deletes the instance and then the cluster. The cluster and its instance share the drill identifier
 * (`rxdr-drill-…`), so RDS events of either resume the drill's waits. Both carry `rxdr:drill=<execution ARN>` (the
 * instance from its creation, the cluster once claimed from the drill's own restore job); nothing without that tag
 * is deleted.
 */
export class AwsClusterRestoreProvider extends AwsRestoreProviderBase {
  async startRestore(source: RecoverySource, drillId: string): Promise<RestoreHandle> {
    const id = drillInstanceId(this.database.name, drillId);
    const job = await this.clients.backup.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: source.id,
        IamRoleArn: this.settings.restoreRoleArn,
        IdempotencyToken: drillId,
        ResourceType: 'Aurora',
        // RestoreDBClusterFromSnapshot's parameters (required: DBClusterIdentifier, Engine).
        Metadata: {
          DBClusterIdentifier: id,
          Engine: AURORA_POSTGRESQL,
          DBSubnetGroupName: this.settings.subnetGroupName,
          VpcSecurityGroupIds: JSON.stringify(this.settings.securityGroupIds),
          DeletionProtection: 'false',
          CopyTagsToSnapshot: 'false',
        },
      }),
    );
    if (!job.RestoreJobId) throw new Error(`AWS Backup started no restore job for ${source.id}`);
    return {
      id,
      details: { kind: source.kind, tag: this.tagValue, resource: 'cluster', restoreJobId: job.RestoreJobId },
    };
  }

  async describeRestore(handle: RestoreHandle): Promise<RestoreStatus> {
    let cluster = await this.describeCluster(handle.id);
    if (!cluster) return this.restoreJobStatus(handle, 'cluster');
    if (!this.carriesTag(cluster.TagList)) cluster = await this.claimCluster(handle, cluster);
    const clusterStatus = cluster.Status ?? 'unknown';
    if (FAILED_STATES.has(clusterStatus))
      return { state: 'failed', reason: `cluster ${handle.id} is ${clusterStatus}` };
    if (clusterStatus !== 'available') return { state: 'pending', detail: `cluster ${clusterStatus}` };
    const instance = await this.describeInstance(handle.id);
    if (!instance) {
      await this.createInstance(handle.id);
      return { state: 'pending', detail: 'cluster available; its instance is being created' };
    }
    if (!this.carriesTag(instance.TagList))
      throw new RefusedError(
        `${handle.id} (instance) does not carry ${DRILL_TAG}=${this.tagValue}; the drill creates its instance with it, so this one is not the drill's`,
      );
    const status = instance.DBInstanceStatus ?? 'unknown';
    if (FAILED_STATES.has(status)) return { state: 'failed', reason: `instance ${handle.id} is ${status}` };
    if (status !== 'available') return { state: 'pending', detail: `instance ${status}` };
    // The membership list is read again: the instance joined after the first describe.
    const current = (await this.describeCluster(handle.id)) ?? cluster;
    return {
      state: 'available',
      target: restoredClusterTarget(current, instance),
      checks: clusterIsolationChecks(current, instance, this.settings),
    };
  }

  async deleteRestored(handle: RestoreHandle): Promise<void> {
    await this.deleteStep(handle);
  }

  async describeDeletion(handle: RestoreHandle): Promise<DeletionStatus> {
    const step = await this.deleteStep(handle);
    if (step !== 'gone') return { state: 'deleting', detail: step };
    return this.deletionAfterRestoreJob(handle);
  }

  protected async endpoint(id: string): Promise<{ host?: string; port?: number; subject: string }> {
    const cluster = await this.describeCluster(id);
    return { host: cluster?.Endpoint, port: cluster?.Port, subject: `cluster ${id}` };
  }

  /**
   * One look and one request on the way to nothing left: the instance first (a cluster with a live instance cannot
   * be deleted), then the cluster. Returns what it is waiting for, or `gone`.
   */
  private async deleteStep(handle: RestoreHandle): Promise<string> {
    const instance = await this.describeInstance(handle.id);
    if (instance && instance.DBInstanceStatus !== 'deleting') {
      if (!this.carriesTag(instance.TagList))
        throw new RefusedError(
          `${handle.id} (instance) does not carry ${DRILL_TAG}=${this.tagValue}; refusing to delete it`,
        );
      const requested = await this.requestDeletion(
        () => this.clients.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: handle.id })),
        'DBInstanceNotFound',
        'InvalidDBInstanceState',
      );
      return requested ? 'instance deletion requested' : `waiting: instance ${instance.DBInstanceStatus ?? 'busy'}`;
    }
    let cluster = await this.describeCluster(handle.id);
    if (!cluster) return instance ? 'instance deleting' : 'gone';
    if (cluster.Status === 'deleting') return 'cluster deleting';
    if (!this.carriesTag(cluster.TagList)) cluster = await this.claimCluster(handle, cluster);
    const requested = await this.requestDeletion(
      () =>
        this.clients.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: handle.id, SkipFinalSnapshot: true })),
      'DBClusterNotFound',
      'InvalidDBClusterState',
    );
    if (requested) return 'cluster deletion requested';
    return instance ? 'instance deleting' : `waiting: cluster ${cluster.Status ?? 'busy'}`;
  }

  /** The drill's one instance, created with the drill tag (a retried task finds it already there). */
  private async createInstance(id: string): Promise<void> {
    try {
      await this.clients.rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: id,
          DBClusterIdentifier: id,
          Engine: AURORA_POSTGRESQL,
          DBInstanceClass: this.settings.instanceClass,
          PubliclyAccessible: false,
          AutoMinorVersionUpgrade: false,
          Tags: [{ Key: DRILL_TAG, Value: this.tagValue }],
        }),
      );
    } catch (error) {
      if (!isNotFound(error, 'DBInstanceAlreadyExists')) throw error;
    }
  }

  private claimCluster(handle: RestoreHandle, cluster: DBCluster): Promise<DBCluster> {
    return this.claim(handle, cluster, cluster.DBClusterArn, `cluster ${handle.id}`);
  }

  private async describeCluster(id: string): Promise<DBCluster | undefined> {
    try {
      const result = await this.clients.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
      return result.DBClusters?.[0];
    } catch (error) {
      if (isNotFound(error, 'DBClusterNotFound')) return undefined;
      throw error;
    }
  }
}
