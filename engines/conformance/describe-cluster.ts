import {
  type DBCluster,
  type DBInstance,
  DescribeDBClusterParametersCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { ConformanceClients } from './describe';
import { describeKey } from './describe';
import { InstanceSettings, READ_PARAMETERS } from './settings';
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
  let cluster: DBCluster | undefined;
  try {
    const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: target.instanceIdentifier }));
    cluster = out.DBClusters?.[0];
  } catch (error) {
    if ((error as Error).name !== 'DBClusterNotFoundFault') throw error;
  }
  if (!cluster) throw new ClusterNotFoundError(target);

  const group = cluster.DBClusterParameterGroup;
  const [parameters, members, key, expectedKeyArn] = await Promise.all([
    group ? readClusterParameters(rds, group) : Promise.resolve({}),
    readMembers(rds, target.instanceIdentifier),
    cluster.StorageEncrypted && cluster.KmsKeyId
      ? describeKey(clients.kms(target.region), cluster.KmsKeyId)
      : undefined,
    target.expectedKey ? describeKey(clients.kms(target.region), target.expectedKey).then((k) => k?.arn) : undefined,
  ]);
  const pending = (cluster.DBClusterMembers ?? []).find(
    (m) => m.DBClusterParameterGroupStatus && m.DBClusterParameterGroupStatus !== 'in-sync',
  );
  return {
    engine: cluster.Engine ?? '',
    engineVersion: cluster.EngineVersion ?? '',
    storageEncrypted: cluster.StorageEncrypted === true,
    ...(cluster.KmsKeyId ? { kmsKeyArn: key?.arn ?? cluster.KmsKeyId } : {}),
    ...(key ? { keyManager: key.manager } : {}),
    ...(expectedKeyArn ? { expectedKeyArn } : {}),
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

async function readClusterParameters(rds: RDSClient, group: string): Promise<Record<string, string>> {
  const wanted = new Set<string>(READ_PARAMETERS);
  const values: Record<string, string> = {};
  let marker: string | undefined;
  do {
    const page = await rds.send(
      new DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: group, Marker: marker }),
    );
    for (const p of page.Parameters ?? [])
      if (p.ParameterName && wanted.has(p.ParameterName) && p.ParameterValue !== undefined)
        values[p.ParameterName] = p.ParameterValue;
    marker = page.Marker;
  } while (marker);
  return values;
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
