/** Aurora cluster and global-database lookups the cluster runbook steps share. */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeGlobalClustersCommand,
  type DBCluster,
  type GlobalCluster,
  type GlobalClusterMember,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { databaseOf, Errors, StepError, type Catalog, type CatalogCluster, type CatalogDatabase } from '../catalog';
import { findInstance, latestMetric, unlessNotFound, type Endpoint } from '../aws-helpers';
import type { FailoverState } from '../failover-steps/state';
import { failoverTags } from '../failover-steps/recovery';

/** The cluster, or undefined when it does not exist. */
export async function findCluster(rds: RDSClient, identifier: string): Promise<DBCluster | undefined> {
  return unlessNotFound('DBClusterNotFoundFault', async () => {
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }));
    return out.DBClusters?.[0];
  });
}

/**
 * The global database, or undefined when it does not exist. The answer is a list: the one named is taken from it,
 * not whichever comes first, so an answer holding more global databases never swaps one for another.
 */
export async function findGlobalCluster(rds: RDSClient, identifier: string): Promise<GlobalCluster | undefined> {
  return unlessNotFound('GlobalClusterNotFoundFault', async () => {
    const out = await rds.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: identifier }));
    // RDS identifiers are case-insensitive (stored lower-case).
    return out.GlobalClusters?.find((g) => g.GlobalClusterIdentifier?.toLowerCase() === identifier.toLowerCase());
  });
}

/** The global database; a missing one is a step failure that names it. */
export async function describeGlobalCluster(rds: RDSClient, identifier: string): Promise<GlobalCluster> {
  const global = await findGlobalCluster(rds, identifier);
  if (!global) throw new StepError(Errors.stepFailed, `global database ${identifier} not found`);
  return global;
}

/** The member whose ARN names `identifier` in `region` (cluster ARNs: `arn:…:rds:<region>:<account>:cluster:<id>`). */
export function memberOf(global: GlobalCluster, region: string, identifier: string): GlobalClusterMember | undefined {
  return global.GlobalClusterMembers?.find((m) => {
    const parts = (m.DBClusterArn ?? '').split(':');
    return parts[3] === region && parts[5] === 'cluster' && parts[6] === identifier;
  });
}

/** A switchover or failover of the global database is under way (`FailoverState` pending, failing over, …). */
export function changingWriter(global: GlobalCluster): boolean {
  return global.FailoverState?.Status !== undefined && global.FailoverState.Status !== 'cancelling';
}

/** The cluster part of a catalog entry; a step asked about an instance entry fails clearly. */
export function clusterOf(catalog: Catalog, name: string): { db: CatalogDatabase; cluster: CatalogCluster } {
  const db = databaseOf(catalog, name);
  if (!db.cluster) throw new StepError(Errors.invalidInput, `${name} is an RDS instance, not an Aurora cluster`);
  return { db, cluster: db.cluster };
}

/** Whether the catalog's `name` is an Aurora cluster (its runbook steps are `cluster/`'s). */
export function isClusterDatabase(catalog: Catalog, name: string): boolean {
  return catalog.databases.some((d) => d.name === name && d.cluster !== undefined);
}

/** The cluster's writer endpoint, once it has one. */
export function writerEndpoint(cluster: DBCluster | undefined): Endpoint | undefined {
  return cluster?.Endpoint ? { host: cluster.Endpoint, port: cluster.Port ?? 5432 } : undefined;
}

/** Newest `AuroraGlobalDBReplicationLag` of a secondary over the last 10 minutes, in seconds (the metric is ms). */
export async function globalLagSeconds(
  cloudwatch: CloudWatchClient,
  clusterIdentifier: string,
  now: Date,
): Promise<number | undefined> {
  const ms = await latestMetric(
    cloudwatch,
    'AuroraGlobalDBReplicationLag',
    clusterIdentifier,
    now,
    'DBClusterIdentifier',
  );
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}

/**
 * A restored cluster has no instance: once the cluster is available its one writer is added (looked up first, so a
 * resumed run adds it once). What the wait is still waiting for, or undefined once the writer is available.
 */
export async function writerInstancePending(
  rds: RDSClient,
  clusterIdentifier: string,
  writer: string,
  db: Pick<CatalogDatabase, 'name' | 'instanceClass'>,
  state: Pick<FailoverState, 'execution'>,
): Promise<string | undefined> {
  const instance = await findInstance(rds, writer);
  if (!instance) {
    await createWriterInstance(rds, clusterIdentifier, writer, db, state);
    return `${clusterIdentifier} is available; its instance ${writer} is being created`;
  }
  if (instance.DBInstanceStatus !== 'available') return `${writer} is ${instance.DBInstanceStatus}`;
  return undefined;
}

/** `CreateDBInstance` of the cluster's one writer, private, tagged with the execution. */
export async function createWriterInstance(
  rds: RDSClient,
  clusterIdentifier: string,
  writer: string,
  db: Pick<CatalogDatabase, 'name' | 'instanceClass'>,
  state: Pick<FailoverState, 'execution'>,
): Promise<void> {
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: writer,
      DBClusterIdentifier: clusterIdentifier,
      Engine: 'aurora-postgresql',
      DBInstanceClass: db.instanceClass ?? 'db.r6g.large',
      PubliclyAccessible: false,
      Tags: failoverTags(state, db),
    }),
  );
}
