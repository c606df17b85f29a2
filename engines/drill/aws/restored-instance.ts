import type { DBInstance } from '@aws-sdk/client-rds';
import type { EvidenceCheck, EvidenceTarget } from '../../evidence/schema';
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
  const expectedGroups = [...settings.securityGroupIds].sort();
  const check = (id: string, ok: boolean, passed: string, failed: string): EvidenceCheck => ({
    id,
    category: 'restore',
    status: ok ? 'passed' : 'failed',
    message: ok ? passed : failed,
  });
  return [
    check(
      'restore.encrypted-with-recovery-key',
      instance.StorageEncrypted === true && sameKey(instance.KmsKeyId, settings.kmsKeyArn),
      `encrypted with the recovery key ${settings.kmsKeyArn}`,
      `expected encryption with ${settings.kmsKeyArn}, got encrypted=${String(instance.StorageEncrypted)} key=${instance.KmsKeyId ?? 'none'}`,
    ),
    check(
      'restore.not-public',
      instance.PubliclyAccessible === false,
      'not publicly accessible',
      'the restored instance is publicly accessible',
    ),
    check(
      'restore.drill-network',
      instance.DBSubnetGroup?.DBSubnetGroupName === settings.subnetGroupName &&
        JSON.stringify([...groups].sort()) === JSON.stringify(expectedGroups),
      `in subnet group ${settings.subnetGroupName} with security group(s) ${expectedGroups.join(', ')}`,
      `expected subnet group ${settings.subnetGroupName} and ${expectedGroups.join(', ')}, got ${instance.DBSubnetGroup?.DBSubnetGroupName ?? 'none'} and ${groups.join(', ') || 'none'}`,
    ),
    check(
      'restore.single-az-deletable',
      instance.MultiAZ !== true && instance.DeletionProtection !== true,
      'single-AZ, no deletion protection',
      `MultiAZ=${String(instance.MultiAZ)} DeletionProtection=${String(instance.DeletionProtection)}`,
    ),
  ];
}

/** A key ARN and a key id (or two ARNs) name the same key. */
export function sameKey(actual: string | undefined, expected: string): boolean {
  if (!actual) return false;
  const id = (value: string) => value.split('/').pop();
  return actual === expected || id(actual) === id(expected);
}
