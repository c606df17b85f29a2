import type { DBCluster, DBInstance } from '@aws-sdk/client-rds';
import type { EvidenceCheck, EvidenceTarget } from '../../evidence/schema';
import type { AwsDrillSettings } from './restore-provider-base';
import { sameKey } from './restored-instance';

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
  const expectedGroups = [...settings.securityGroupIds].sort();
  const members = cluster.DBClusterMembers?.length ?? 0;
  const check = (id: string, ok: boolean, passed: string, failed: string): EvidenceCheck => ({
    id,
    category: 'restore',
    status: ok ? 'passed' : 'failed',
    message: ok ? passed : failed,
  });
  return [
    check(
      'restore.encrypted-with-recovery-key',
      cluster.StorageEncrypted === true && sameKey(cluster.KmsKeyId, settings.kmsKeyArn),
      `cluster storage encrypted with the recovery key ${settings.kmsKeyArn}`,
      `expected encryption with ${settings.kmsKeyArn}, got encrypted=${String(cluster.StorageEncrypted)} key=${cluster.KmsKeyId ?? 'none'}`,
    ),
    check(
      'restore.not-public',
      instance.PubliclyAccessible === false,
      'the cluster instance is not publicly accessible',
      `the cluster instance ${instance.DBInstanceIdentifier ?? ''} is publicly accessible`,
    ),
    check(
      'restore.drill-network',
      cluster.DBSubnetGroup === settings.subnetGroupName && JSON.stringify(groups) === JSON.stringify(expectedGroups),
      `in subnet group ${settings.subnetGroupName} with security group(s) ${expectedGroups.join(', ')}`,
      `expected subnet group ${settings.subnetGroupName} and ${expectedGroups.join(', ')}, got ${cluster.DBSubnetGroup ?? 'none'} and ${groups.join(', ') || 'none'}`,
    ),
    check(
      'restore.single-instance-deletable',
      members === 1 && cluster.DeletionProtection !== true,
      'one instance, no deletion protection',
      `${members} instance(s), DeletionProtection=${String(cluster.DeletionProtection)}`,
    ),
  ];
}
