import {
  type DBInstance,
  DescribeDBClusterParametersCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { type ConformanceClients, describeTarget } from './describe';
import { readParameterValues } from './parameter-values';
import type { InstanceSettings } from './settings';
import { readStorageKeys } from './storage-key';
import type { ConformanceTarget } from './target';

/** The configured cluster does not exist (deleted, renamed, or the configuration names the wrong one). */
export class ClusterNotFoundError extends Error {
  constructor(target: ConformanceTarget) {
    super(`DB cluster ${target.instanceIdentifier} (${target.database}, ${target.role}) not found in ${target.region}`);
    this.name = 'ClusterNotFoundError';
  }
}

/**
 * Read what the rules judge about one Aurora cluster (read-only calls): DescribeDBClusters (encryption and key,
 * backup retention, deletion protection, Multi-AZ, IAM authentication, engine), its cluster parameter group
 * (`rds.force_ssl` and pgaudit are cluster-level on Aurora; a member waiting for a reboot means not applied), and
 * its members (any public one makes the cluster public; every one must take minor upgrades).
 */
export async function describeCluster(
  target: ConformanceTarget,
  clients: ConformanceClients,
): Promise<InstanceSettings> {
  const rds = clients.rds(target.region);
  const cluster = await describeTarget(
    () => rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: target.instanceIdentifier })),
    (out) => out.DBClusters?.[0],
    'DBClusterNotFoundFault',
    () => new ClusterNotFoundError(target),
  );

  const group = cluster.DBClusterParameterGroup;
  const [parameters, members, keys] = await Promise.all([
    group
      ? readParameterValues((Marker) =>
          rds.send(new DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: group, Marker })),
        )
      : Promise.resolve({}),
    readMembers(rds, target.instanceIdentifier),
    readStorageKeys(target, clients, cluster),
  ]);
  const pending = (cluster.DBClusterMembers ?? []).find(
    (m) => m.DBClusterParameterGroupStatus && m.DBClusterParameterGroupStatus !== 'in-sync',
  );
  return {
    engine: cluster.Engine ?? '',
    engineVersion: cluster.EngineVersion ?? '',
    storageEncrypted: cluster.StorageEncrypted === true,
    ...keys,
    backupRetentionDays: cluster.BackupRetentionPeriod ?? 0,
    deletionProtection: cluster.DeletionProtection === true,
    publiclyAccessible: members.some((m) => m.PubliclyAccessible === true),
    autoMinorVersionUpgrade: members.length > 0 && members.every((m) => m.AutoMinorVersionUpgrade === true),
    multiAz: cluster.MultiAZ === true,
    ...(group
      ? { parameterGroup: { name: group, applyStatus: pending?.DBClusterParameterGroupStatus ?? 'in-sync' } }
      : {}),
    parameters,
    iamDatabaseAuthentication: cluster.IAMDatabaseAuthenticationEnabled === true,
  };
}

async function readMembers(rds: RDSClient, cluster: string): Promise<DBInstance[]> {
  const members: DBInstance[] = [];
  let marker: string | undefined;
  do {
    const page = await rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [cluster] }], Marker: marker }),
    );
    members.push(...(page.DBInstances ?? []));
    marker = page.Marker;
  } while (marker);
  return members;
}
