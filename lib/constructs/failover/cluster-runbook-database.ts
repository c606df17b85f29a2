import type { EnvironmentConfig } from '../../config/environment-config';
import type { ClusterDatabaseConfig } from '../../config/cluster-schema';
import type { TierPreset } from '../../config/tiers';
import { tierNumber } from '../../config/tiers';
import { names } from '../../naming';
import type { RunbookDatabase } from './failover-runbooks';

type ConfiguredCluster = ClusterDatabaseConfig & { readonly tierPreset: TierPreset };

/**
 * An Aurora cluster as the runbooks see it. Tier 1 (a global database) fails over to its recovery-region
 * secondary by default, a global switchover being the planned alternative; other tiers restore the newest
 * recovery point of the recovery vault (Aurora has no cross-region point-in-time restore).
 */
export function clusterRunbookDatabase(config: EnvironmentConfig, db: ConfiguredCluster): RunbookDatabase {
  const tier = db.tierPreset;
  const global = tier.crossRegionReadReplica;
  const primaryClusterIdentifier = names.primaryCluster(config, db);
  return {
    name: db.name,
    tier: tierNumber(tier.drPattern),
    rtoMinutes: tier.rtoMinutes,
    rpoMinutes: tier.rpoMinutes,
    defaultStrategy: global ? 'global-failover' : 'latest-backup',
    primaryInstanceIdentifier: primaryClusterIdentifier,
    ...(db.mode === 'create' ? { instanceClass: db.instanceClass } : {}),
    secretArn: names.recoverySecret(config, db),
    cluster: {
      primaryClusterIdentifier,
      ...(global
        ? {
            globalClusterIdentifier: names.globalCluster(config, db),
            secondaryClusterIdentifier: names.secondaryCluster(config, db),
          }
        : {}),
    },
  };
}
