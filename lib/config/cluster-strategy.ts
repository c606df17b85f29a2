import type { TierPreset } from './tiers';

/** How an Aurora cluster fails over by default (a global switchover is the planned alternative on tier 1). */
export type ClusterFailoverStrategy = 'global-failover' | 'latest-backup';

/**
 * A tier with a standby in the recovery region keeps the cluster on an Aurora Global Database and fails over to
 * its secondary; every other tier restores the newest recovery point of the recovery vault (Aurora has no
 * cross-region point-in-time restore and no cross-region read replica of its own).
 */
export function clusterFailoverStrategy(tier: Pick<TierPreset, 'crossRegionReadReplica'>): ClusterFailoverStrategy {
  return tier.crossRegionReadReplica ? 'global-failover' : 'latest-backup';
}
