import type { DBInstance } from '@aws-sdk/client-rds';
import type { EvidenceCheck, EvidenceTarget } from '../../evidence/schema';
import { drillNetworkCheck, recoveryKeyCheck, restoreCheck } from './isolation-checks';
import type { AwsDrillSettings } from './restore-provider-base';

/** What the evidence records about the restored instance. */
export function restoredInstanceTarget(instance: DBInstance): EvidenceTarget {
  return {
    identifier: instance.DBInstanceIdentifier ?? 'unknown',
    engine: instance.Engine ?? 'unknown',
    engineVersion: instance.EngineVersion,
    endpoint: instance.Endpoint?.Address ? `${instance.Endpoint.Address}:${instance.Endpoint.Port ?? 5432}` : undefined,
    instanceClass: instance.DBInstanceClass,
    encrypted: instance.StorageEncrypted,
    kmsKeyId: instance.KmsKeyId,
    publiclyAccessible: instance.PubliclyAccessible,
    network:
      [instance.DBSubnetGroup?.DBSubnetGroupName, instance.DBSubnetGroup?.VpcId].filter(Boolean).join(' / ') ||
      undefined,
    details: {
      multiAz: String(instance.MultiAZ ?? false),
      deletionProtection: String(instance.DeletionProtection ?? false),
      arn: instance.DBInstanceArn ?? '',
    },
  };
}

/** Invariant 9: encrypted with the recovery CMK, private, in the drill network; plus single-AZ and deletable. */
export function isolationChecks(instance: DBInstance, settings: AwsDrillSettings): EvidenceCheck[] {
  const groups = (instance.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '');
  return [
    recoveryKeyCheck(instance, settings, 'encrypted'),
    restoreCheck(
      'restore.not-public',
      instance.PubliclyAccessible === false,
      'not publicly accessible',
      'the restored instance is publicly accessible',
    ),
    drillNetworkCheck(instance.DBSubnetGroup?.DBSubnetGroupName, groups, settings),
    restoreCheck(
      'restore.single-az-deletable',
      instance.MultiAZ !== true && instance.DeletionProtection !== true,
      'single-AZ, no deletion protection',
      `MultiAZ=${String(instance.MultiAZ)} DeletionProtection=${String(instance.DeletionProtection)}`,
    ),
  ];
}
