import { DescribeRestoreJobCommand, StartRestoreJobCommand } from '@aws-sdk/client-backup';
import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  type DBCluster,
  type DBInstance,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
} from '@aws-sdk/client-rds';
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
import { AwsClients, AwsDrillSettings, drillInstanceId, FAILED_STATES } from './provider';
import { findRecoverySource } from './recovery-source';
import { clusterIsolationChecks, restoredClusterTarget } from './restored-cluster';
import { DRILL_TAG, FleetDatabase } from './types';

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
export class AwsClusterRestoreProvider implements RestoreProvider {
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
    if (!cluster) return this.jobStatus(handle);
    if (!this.carriesTag(cluster.TagList)) cluster = await this.claim(handle, cluster);
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

  async connection(handle: RestoreHandle): Promise<DatabaseConnection> {
    const cluster = await this.describeCluster(handle.id);
    const host = cluster?.Endpoint;
    if (!cluster || !host) throw new Error(`cluster ${handle.id} has no endpoint`);
    const port = cluster.Port ?? 5432;
    const secret = await readDatabaseSecret(this.clients.secrets, this.database.secretId);
    const database = secret.dbname ?? this.database.databaseName;
    const url = rdsConnectionConfig({ host, port, database, user: secret.username, password: secret.password });
    return { url, display: `${host}:${port}/${database}` };
  }

  async deleteRestored(handle: RestoreHandle): Promise<void> {
    await this.deleteStep(handle);
  }

  async describeDeletion(handle: RestoreHandle): Promise<DeletionStatus> {
    const step = await this.deleteStep(handle);
    if (step !== 'gone') return { state: 'deleting', detail: step };
    if (!handle.details.restoreJobId) return { state: 'deleted' };
    // A restore job that has not created the cluster yet would create it after "deletion".
    const job = await this.clients.backup.send(
      new DescribeRestoreJobCommand({ RestoreJobId: handle.details.restoreJobId }),
    );
    return job.Status === 'PENDING' || job.Status === 'RUNNING'
      ? { state: 'deleting', detail: `restore job still ${job.Status}: waiting to delete what it creates` }
      : { state: 'deleted' };
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
      const requested = await this.request(
        () => this.clients.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: handle.id })),
        'DBInstanceNotFound',
        'InvalidDBInstanceState',
      );
      return requested ? 'instance deletion requested' : `waiting: instance ${instance.DBInstanceStatus ?? 'busy'}`;
    }
    let cluster = await this.describeCluster(handle.id);
    if (!cluster) return instance ? 'instance deleting' : 'gone';
    if (cluster.Status === 'deleting') return 'cluster deleting';
    if (!this.carriesTag(cluster.TagList)) cluster = await this.claim(handle, cluster);
    const requested = await this.request(
      () =>
        this.clients.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: handle.id, SkipFinalSnapshot: true })),
      'DBClusterNotFound',
      'InvalidDBClusterState',
    );
    if (requested) return 'cluster deletion requested';
    return instance ? 'instance deleting' : `waiting: cluster ${cluster.Status ?? 'busy'}`;
  }

  /** A deletion request: true when sent (or the resource is gone), false when RDS refuses for now (busy). */
  private async request(send: () => Promise<unknown>, notFound: string, busy: string): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      if (isNotFound(error, notFound)) return true;
      if (isNotFound(error, busy)) return false;
      throw error;
    }
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

  private async jobStatus(handle: RestoreHandle): Promise<RestoreStatus> {
    const jobId = handle.details.restoreJobId;
    if (!jobId) return { state: 'pending', detail: 'cluster not visible yet' };
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

  /** AWS Backup cannot tag what it restores: tag the cluster the drill's own restore job created, nothing else. */
  private async claim(handle: RestoreHandle, cluster: DBCluster): Promise<DBCluster> {
    const jobId = handle.details.restoreJobId;
    const refuse = (why: string) =>
      new RefusedError(
        `cluster ${handle.id} does not carry ${DRILL_TAG}=${this.tagValue} and ${why}; refusing to touch it`,
      );
    if (!jobId || !cluster.DBClusterArn) throw refuse('was not created by an AWS Backup restore job of this drill');
    const job = await this.clients.backup.send(new DescribeRestoreJobCommand({ RestoreJobId: jobId }));
    if (job.CreatedResourceArn !== cluster.DBClusterArn)
      throw refuse(`restore job ${jobId} created ${job.CreatedResourceArn ?? 'nothing yet'}`);
    const tag = { Key: DRILL_TAG, Value: this.tagValue };
    await this.clients.rds.send(new AddTagsToResourceCommand({ ResourceName: cluster.DBClusterArn, Tags: [tag] }));
    return { ...cluster, TagList: [...(cluster.TagList ?? []), tag] };
  }

  private carriesTag(tags: { Key?: string; Value?: string }[] | undefined): boolean {
    return (tags ?? []).some((tag) => tag.Key === DRILL_TAG && tag.Value === this.tagValue);
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

  private async describeInstance(id: string): Promise<DBInstance | undefined> {
    try {
      const result = await this.clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
      return result.DBInstances?.[0];
    } catch (error) {
      if (isNotFound(error, 'DBInstanceNotFound')) return undefined;
      throw error;
    }
  }
}
