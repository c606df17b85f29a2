import type { EnvironmentConfig } from '../../config/environment-config';
import type { ClusterDatabaseConfig } from '../../config/cluster-schema';
import type { TierPreset } from '../../config/tiers';
import { tierNumber } from '../../config/tiers';
import { names } from '../../naming';
import { clusterFailoverStrategy } from '../../config/cluster-strategy';
import type { RunbookDatabase } from './failover-runbooks';
import { chunkingOf } from './runbook-chunking';
import { clientPointersOf } from './client-pointers';

type ConfiguredCluster = ClusterDatabaseConfig & { readonly tierPreset: TierPreset };

/** An Aurora cluster as the runbooks see it (default strategy: `clusterFailoverStrategy`). */
export function clusterRunbookDatabase(config: EnvironmentConfig, db: ConfiguredCluster): RunbookDatabase {
  const tier = db.tierPreset;
  const global = tier.crossRegionReadReplica;
  const primaryClusterIdentifier = names.primaryCluster(config, db);
  return {
    name: db.name,
    tier: tierNumber(tier.drPattern),
    rtoMinutes: tier.rtoMinutes,
    rpoMinutes: tier.rpoMinutes,
    defaultStrategy: clusterFailoverStrategy(tier),
    primaryInstanceIdentifier: primaryClusterIdentifier,
    ...(db.mode === 'create' ? { instanceClass: db.instanceClass } : {}),
    secretArn: names.recoverySecret(config, db),
    ...clientPointersOf(db.failover),
    ...chunkingOf(db.validation),
    cluster: {
      primaryClusterIdentifier,
      ...(global
        ? {
            globalClusterIdentifier: names.globalCluster(config, db),
            secondaryClusterIdentifier: names.secondaryCluster(config, db),
          }
        : {}),
      ...(db.failover?.clientsUseGlobalWriterEndpoint ? { clientsUseGlobalWriterEndpoint: true } : {}),
    },
  };
}
