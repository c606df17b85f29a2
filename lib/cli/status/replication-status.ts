import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { isCluster } from '../../config/database-kind';
import type { EnvironmentConfig, ProtectedDatabase } from '../../config/environment-config';
import { names } from '../../naming';
import type { AwsTarget } from '../aws';
import { checkError } from './status-errors';

/**
 * How far the recovery region's standby is behind: an instance's cross-region read replica (`ReplicaLag`, seconds,
 * per instance) or an Aurora Global Database's secondary cluster (`AuroraGlobalDBReplicationLag`, milliseconds,
 * per cluster), reported in seconds against the RPO.
 */
export interface ReplicaStatus {
  /** `instance`: a cross-region read replica; `cluster`: the global database's secondary cluster. */
  readonly kind: 'instance' | 'cluster';
  /** The replica instance's or the secondary cluster's identifier. */
  readonly identifier: string;
  readonly metric: 'ReplicaLag' | 'AuroraGlobalDBReplicationLag';
  readonly region: string;
  /** Newest value of `metric` (Maximum over 1 min) in the last 10 minutes, in seconds; null when there is none. */
  readonly lagSeconds: number | null;
  readonly at: string | null;
  readonly targetSeconds: number;
  readonly ok: boolean;
  readonly error?: string;
}

const LAG_WINDOW_SECONDS = 600;

const STANDBYS = {
  instance: { metric: 'ReplicaLag', dimension: 'DBInstanceIdentifier', toSeconds: 1, what: 'replica' },
  cluster: {
    metric: 'AuroraGlobalDBReplicationLag',
    dimension: 'DBClusterIdentifier',
    toSeconds: 1 / 1000,
    what: 'secondary cluster',
  },
} as const;

/** The standby's lag, or null for tiers that keep no standby in the recovery region. */
export async function replicationStatus(
  env: EnvironmentConfig,
  db: ProtectedDatabase,
  recovery: AwsTarget,
  now: Date,
  profile?: string,
): Promise<ReplicaStatus | null> {
  if (!db.tierPreset.crossRegionReadReplica) return null;
  const kind: ReplicaStatus['kind'] = isCluster(db) ? 'cluster' : 'instance';
  const identifier = isCluster(db) ? names.secondaryCluster(env, db) : names.replicaInstance(env, db);
  const standby = STANDBYS[kind];
  const base = {
    kind,
    identifier,
    metric: standby.metric,
    region: recovery.region,
    targetSeconds: db.tierPreset.rpoMinutes * 60,
  };
  try {
    const out = await recovery.clients.cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/RDS',
        MetricName: standby.metric,
        Dimensions: [{ Name: standby.dimension, Value: identifier }],
        StartTime: new Date(now.getTime() - LAG_WINDOW_SECONDS * 1000),
        EndTime: now,
        Period: 60,
        Statistics: ['Maximum'],
      }),
    );
    const latest = (out.Datapoints ?? [])
      .filter((d) => d.Timestamp && d.Maximum !== undefined)
      .sort((a, b) => (b.Timestamp as Date).getTime() - (a.Timestamp as Date).getTime())[0];
    if (!latest)
      return {
        ...base,
        lagSeconds: null,
        at: null,
        ok: false,
        error: `no ${standby.metric} data in the last ${LAG_WINDOW_SECONDS / 60} min: is the ${standby.what} running?`,
      };
    const lagSeconds = (latest.Maximum as number) * standby.toSeconds;
    const at = (latest.Timestamp as Date).toISOString();
    return { ...base, lagSeconds, at, ok: lagSeconds <= base.targetSeconds };
  } catch (error) {
    return { ...base, lagSeconds: null, at: null, ok: false, error: checkError(error, recovery, profile) };
  }
}
