/** How a tier recovers in the recovery region (the tier table in docs/domain.md). */
export type DrPattern = 'warm-standby' | 'pilot-light' | 'backup-restore';
/** The failover strategies the runbook implements. */
export type FailoverStrategy = 'promote-replica' | 'point-in-time' | 'latest-backup';
export type SnapshotFrequency = 'hourly' | 'daily';

/** The tier number a DR pattern stands for (1 warm standby, 2 pilot light, 3 backup and restore). */
export function tierNumber(pattern: DrPattern): 1 | 2 | 3 {
  return TIER_NUMBERS[pattern] ?? 3;
}
const TIER_NUMBERS: Readonly<Record<string, 1 | 2 | 3>> = { 'warm-standby': 1, 'pilot-light': 2, 'backup-restore': 3 };

export interface TierPreset {
  readonly description: string;
  /** Recovery time objective, minutes. */
  readonly rtoMinutes: number;
  /** Recovery point objective, minutes. */
  readonly rpoMinutes: number;
  readonly drPattern: DrPattern;
  /** AWS Backup continuous backup (point-in-time restore, up to 35 days). */
  readonly continuousBackup: boolean;
  /** How often AWS Backup takes a snapshot recovery point. */
  readonly snapshotFrequency: SnapshotFrequency;
  /** An encrypted cross-region read replica in the recovery region. */
  readonly crossRegionReadReplica: boolean;
  /** The strategy `rxdr failover` uses unless told otherwise. */
  readonly failoverStrategy: FailoverStrategy;
}

/** The three tiers of docs/domain.md; an environment may override any value or add tiers of its own. */
export const DEFAULT_TIERS: Readonly<Record<string, TierPreset>> = {
  critical: {
    description: 'Tier 1: dispensing, claims adjudication',
    rtoMinutes: 60,
    rpoMinutes: 5,
    drPattern: 'warm-standby',
    continuousBackup: true,
    snapshotFrequency: 'daily',
    crossRegionReadReplica: true,
    failoverStrategy: 'promote-replica',
  },
  important: {
    description: 'Tier 2: inventory, PDMP reporting',
    rtoMinutes: 240,
    rpoMinutes: 60,
    drPattern: 'pilot-light',
    continuousBackup: true,
    snapshotFrequency: 'daily',
    crossRegionReadReplica: false,
    failoverStrategy: 'point-in-time',
  },
  deferrable: {
    description: 'Tier 3: analytics, reporting',
    rtoMinutes: 1440,
    rpoMinutes: 1440,
    drPattern: 'backup-restore',
    continuousBackup: false,
    snapshotFrequency: 'daily',
    crossRegionReadReplica: false,
    failoverStrategy: 'latest-backup',
  },
};

/**
 * The best RPO, in minutes, that a tier's data protection can deliver: a read replica lags by seconds,
 * continuous backup restores to within 5 minutes (RDS uploads transaction logs every 5 minutes), otherwise
 * the snapshot interval.
 */
export function deliverableRpoMinutes(
  tier: Pick<TierPreset, 'continuousBackup' | 'crossRegionReadReplica' | 'snapshotFrequency'>,
): number {
  if (tier.crossRegionReadReplica) return 1;
  if (tier.continuousBackup) return 5;
  return tier.snapshotFrequency === 'hourly' ? 60 : 1440;
}
