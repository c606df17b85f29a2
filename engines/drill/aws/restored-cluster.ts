import type { DBCluster, DBInstance } from '@aws-sdk/client-rds';
import type { EvidenceCheck, EvidenceTarget } from '../../evidence/schema';
import type { AwsDrillSettings } from './restore-provider-base';
import { drillNetworkCheck, recoveryKeyCheck, restoreCheck } from './isolation-checks';

/** What the evidence records about a restored Aurora cluster and its one instance: it says it was a cluster. */
export function restoredClusterTarget(cluster: DBCluster, instance: DBInstance): EvidenceTarget {
  return {
    identifier: cluster.DBClusterIdentifier ?? 'unknown',
    engine: cluster.Engine ?? 'unknown',
    engineVersion: cluster.EngineVersion,
    endpoint: cluster.Endpoint ? `${cluster.Endpoint}:${cluster.Port ?? 5432}` : undefined,
    instanceClass: instance.DBInstanceClass,
    encrypted: cluster.StorageEncrypted,
    kmsKeyId: cluster.KmsKeyId,
    publiclyAccessible: instance.PubliclyAccessible,
    network: [cluster.DBSubnetGroup, instance.DBSubnetGroup?.VpcId].filter(Boolean).join(' / ') || undefined,
    details: {
      resource: 'aurora-cluster',
      instance: instance.DBInstanceIdentifier ?? '',
      members: String(cluster.DBClusterMembers?.length ?? 0),
      deletionProtection: String(cluster.DeletionProtection ?? false),
      arn: cluster.DBClusterArn ?? '',
    },
  };
}

/**
 * Invariant 9 for a cluster: storage encrypted with the recovery CMK, its instance private, the cluster in the drill
 * network; plus one instance and no deletion protection (nothing stops the cleanup).
 */
export function clusterIsolationChecks(
  cluster: DBCluster,
  instance: DBInstance,
  settings: AwsDrillSettings,
): EvidenceCheck[] {
  const groups = (cluster.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '').sort();
  const members = cluster.DBClusterMembers?.length ?? 0;
  return [
    recoveryKeyCheck(cluster, settings, 'cluster storage encrypted'),
    restoreCheck(
      'restore.not-public',
      instance.PubliclyAccessible === false,
      'the cluster instance is not publicly accessible',
      `the cluster instance ${instance.DBInstanceIdentifier ?? ''} is publicly accessible`,
    ),
    drillNetworkCheck(cluster.DBSubnetGroup, groups, settings),
    restoreCheck(
      'restore.single-instance-deletable',
      members === 1 && cluster.DeletionProtection !== true,
      'one instance, no deletion protection',
      `${members} instance(s), DeletionProtection=${String(cluster.DeletionProtection)}`,
    ),
  ];
}
