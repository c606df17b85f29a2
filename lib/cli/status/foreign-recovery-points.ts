import type { RecoveryPointByBackupVault } from '@aws-sdk/client-backup';

/**
 * The recovery points of one source resource in one of the environment's vaults, where that resource is not
 * one of the environment's configured databases: another environment's instance or a scratch copy, put there
 * by a backup selection that reached outside the environment, and held under this vault's lock.
 */
export interface ForeignRecoveryPoints {
  readonly role: 'primary' | 'recovery';
  readonly vault: string;
  readonly region: string;
  readonly resourceArn: string;
  readonly resourceType: string | null;
  readonly count: number;
  /** Creation time of the newest of these points. */
  readonly newest: string | null;
  readonly recoveryPointArns: string[];
}

export interface VaultListing {
  readonly role: 'primary' | 'recovery';
  readonly vault: string;
  readonly region: string;
  readonly points: readonly RecoveryPointByBackupVault[];
}

/** Groups a vault's recovery points whose source is not in `configuredArns` by source, in listing order. */
export function foreignRecoveryPoints(
  listing: VaultListing,
  configuredArns: ReadonlySet<string>,
): ForeignRecoveryPoints[] {
  const bySource = new Map<string, RecoveryPointByBackupVault[]>();
  for (const point of listing.points) {
    if (!point.ResourceArn || configuredArns.has(point.ResourceArn)) continue;
    bySource.set(point.ResourceArn, [...(bySource.get(point.ResourceArn) ?? []), point]);
  }
  return [...bySource].map(([resourceArn, group]) => {
    const created = group.flatMap((p) => (p.CreationDate ? [p.CreationDate.getTime()] : []));
    return {
      role: listing.role,
      vault: listing.vault,
      region: listing.region,
      resourceArn,
      resourceType: group[0]?.ResourceType ?? null,
      count: group.length,
      newest: created.length > 0 ? new Date(Math.max(...created)).toISOString() : null,
      recoveryPointArns: group.flatMap((p) => (p.RecoveryPointArn ? [p.RecoveryPointArn] : [])),
    };
  });
}

/** Status lines: one ✗ per source and vault, one per unreadable vault, or a single ✓. */
export function renderForeignRecoveryPoints(
  environment: string,
  found: readonly ForeignRecoveryPoints[],
  errors: readonly { vault: string; region: string; error: string }[],
): string[] {
  if (found.length === 0 && errors.length === 0)
    return [`✓ no recovery points of resources outside ${environment}'s configured databases`];
  return [
    ...found.map((f) => {
      const points = `${f.count} recovery point${f.count === 1 ? '' : 's'}`;
      return `✗ ${points} of ${f.resourceArn}, not a ${environment} database, in ${f.vault} (${f.region}), newest ${f.newest ?? '—'}`;
    }),
    ...errors.map((e) => `✗ recovery points in ${e.vault} (${e.region}) unreadable: ${e.error}`),
  ];
}
