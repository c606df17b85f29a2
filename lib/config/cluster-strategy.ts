import type { TierPreset } from './tiers';

/** How an Aurora cluster fails over by default (a global switchover is the planned alternative on tier 1). */
export type ClusterFailoverStrategy = 'global-failover' | 'latest-backup';

/**
 * A tier with a standby in the recovery region keeps the cluster on an Aurora Global Database and fails over to
 * its secondary; every other tier restores the newest recovery point of the recovery vault (Aurora has no
 * cross-region point-in-time restore and no cross-region read replica of its own). A tier's `failoverStrategy`
 * is its instances' default: `point-in-time` restores a cluster only in its own region (on demand, for a damaged
 * cluster while that region is up), so it never is a cluster's default.
 */
export function clusterFailoverStrategy(tier: Pick<TierPreset, 'crossRegionReadReplica'>): ClusterFailoverStrategy {
  return tier.crossRegionReadReplica ? 'global-failover' : 'latest-backup';
}

/** The strategies that recover a cluster from a regional outage: the only ones that may be its default. */
const CLUSTER_DEFAULTS = ['global-failover', 'global-switchover', 'detach-and-promote', 'latest-backup'];

/**
 * Why `strategy` cannot be a cluster's default strategy, or undefined when it can. `point-in-time` restores in
 * the cluster's own region only (its automated backups stay there), so it cannot recover that region's outage;
 * `promote-replica` needs an RDS read replica, which a cluster does not have.
 */
export function clusterDefaultStrategyProblem(strategy: string): string | undefined {
  if (CLUSTER_DEFAULTS.includes(strategy)) return undefined;
  if (strategy === 'point-in-time')
    return (
      'an Aurora cluster restores to a point in time only in its own region, so point-in-time cannot recover a ' +
      'regional outage and is no default (run it on demand with --strategy point-in-time); use latest-backup or ' +
      `global-failover, got "${strategy}"`
    );
  return `an Aurora cluster fails over with ${CLUSTER_DEFAULTS.join(', ')}, got "${strategy}"`;
}
