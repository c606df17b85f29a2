import type { EvidenceCheck } from '../../evidence/schema';
import type { AwsDrillSettings } from './restore-provider-base';

/** One check of a restored copy's isolation (invariant 9), recorded in the evidence under `restore`. */
export function restoreCheck(id: string, ok: boolean, passed: string, failed: string): EvidenceCheck {
  return { id, category: 'restore', status: ok ? 'passed' : 'failed', message: ok ? passed : failed };
}

/** Storage encrypted with the recovery CMK; `encrypted` says what was (`encrypted`, `cluster storage encrypted`). */
export function recoveryKeyCheck(
  storage: { readonly StorageEncrypted?: boolean; readonly KmsKeyId?: string },
  settings: AwsDrillSettings,
  encrypted: string,
): EvidenceCheck {
  return restoreCheck(
    'restore.encrypted-with-recovery-key',
    storage.StorageEncrypted === true && sameKey(storage.KmsKeyId, settings.kmsKeyArn),
    `${encrypted} with the recovery key ${settings.kmsKeyArn}`,
    `expected encryption with ${settings.kmsKeyArn}, got encrypted=${String(storage.StorageEncrypted)} key=${storage.KmsKeyId ?? 'none'}`,
  );
}

/** In the drill network: its subnet group and exactly its security group(s) (`groups` in the order to report). */
export function drillNetworkCheck(
  subnetGroup: string | undefined,
  groups: readonly string[],
  settings: AwsDrillSettings,
): EvidenceCheck {
  const expectedGroups = [...settings.securityGroupIds].sort();
  return restoreCheck(
    'restore.drill-network',
    subnetGroup === settings.subnetGroupName && JSON.stringify([...groups].sort()) === JSON.stringify(expectedGroups),
    `in subnet group ${settings.subnetGroupName} with security group(s) ${expectedGroups.join(', ')}`,
    `expected subnet group ${settings.subnetGroupName} and ${expectedGroups.join(', ')}, got ${subnetGroup ?? 'none'} and ${groups.join(', ') || 'none'}`,
  );
}

/** A key ARN and a key id (or two ARNs) name the same key. */
export function sameKey(actual: string | undefined, expected: string): boolean {
  if (!actual) return false;
  const id = (value: string) => value.split('/').pop();
  return actual === expected || id(actual) === id(expected);
}
