import { AURORA_POSTGRESQL } from './cluster-schema';
import { DEFAULT_TIERS } from './tiers';
import { asArray, asRecord, type Problem } from './raw';

/**
 * `failover.clientsUseGlobalWriterEndpoint` needs an Aurora Global Database: an RDS instance or a cluster whose
 * tier keeps no global database has no global writer endpoint for clients to connect through.
 */
export function checkGlobalWriterEndpoint(env: Record<string, unknown>, problem: Problem): void {
  const tierOverrides = asRecord(env.tiers);
  asArray(env.databases).forEach((raw, index) => {
    const db = asRecord(raw);
    const option = asRecord(db.failover).clientsUseGlobalWriterEndpoint;
    if (option !== true) return;
    const path = ['databases', index, 'failover', 'clientsUseGlobalWriterEndpoint'];
    if (db.engine !== AURORA_POSTGRESQL) {
      problem(
        path,
        `database "${String(db.name)}" is an RDS instance: only an Aurora Global Database has a global writer ` +
          'endpoint; remove clientsUseGlobalWriterEndpoint',
      );
      return;
    }
    if (typeof db.tier !== 'string') return;
    const tier = { ...DEFAULT_TIERS[db.tier], ...asRecord(tierOverrides[db.tier]) } as Record<string, unknown>;
    if (tier.crossRegionReadReplica !== true)
      problem(
        path,
        `cluster "${String(db.name)}": tier "${db.tier}" keeps no Aurora Global Database, so there is no global ` +
          'writer endpoint to connect through; move the cluster to a tier with crossRegionReadReplica or remove ' +
          'clientsUseGlobalWriterEndpoint',
      );
  });
}
