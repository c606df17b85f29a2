import { isCluster } from '../../config/database-kind';
import type { EnvironmentConfig, ProtectedDatabase } from '../../config/environment-config';
import { names } from '../../naming';
import { findInstance } from '../../../engines/failover/aws-helpers';
import { findCluster } from '../../../engines/failover/cluster/aws-clusters';
import type { AwsTarget } from '../aws';
import { checkError } from './status-errors';

/**
 * The newest time the primary database can be restored to from its automated backups (`LatestRestorableTime` of
 * `DescribeDBInstances` for an instance, `DescribeDBClusters` for an Aurora cluster). For tiers with point-in-time
 * recovery (continuous backup) its age is held against the RPO; for others it is reported only.
 */
export interface RestorableStatus {
  readonly kind: 'instance' | 'cluster';
  /** The primary instance's or cluster's identifier. */
  readonly identifier: string;
  readonly region: string;
  readonly latestRestorableTime: string | null;
  readonly ageSeconds: number | null;
  /** The RPO for tiers with point-in-time recovery; null when the tier has none (nothing is judged). */
  readonly targetSeconds: number | null;
  readonly ok: boolean;
  readonly error?: string;
}

export async function restorableStatus(
  env: EnvironmentConfig,
  db: ProtectedDatabase,
  primary: AwsTarget,
  now: Date,
  profile?: string,
): Promise<RestorableStatus> {
  const kind = isCluster(db) ? 'cluster' : 'instance';
  const identifier = isCluster(db) ? names.primaryCluster(env, db) : names.primaryInstance(env, db);
  const targetSeconds = db.tierPreset.continuousBackup ? db.tierPreset.rpoMinutes * 60 : null;
  const base = { kind, identifier, region: primary.region, targetSeconds } as const;
  const judged = targetSeconds !== null;
  let latest: Date | undefined;
  try {
    const found = isCluster(db)
      ? await findCluster(primary.clients.rds, identifier)
      : await findInstance(primary.clients.rds, identifier);
    if (!found)
      return { ...base, latestRestorableTime: null, ageSeconds: null, ok: !judged, error: `${kind} not found` };
    latest = found.LatestRestorableTime;
  } catch (error) {
    return {
      ...base,
      latestRestorableTime: null,
      ageSeconds: null,
      ok: !judged,
      error: checkError(error, primary, profile),
    };
  }
  if (!latest)
    return {
      ...base,
      latestRestorableTime: null,
      ageSeconds: null,
      ok: !judged,
      error: 'no restorable time: are automated backups on?',
    };
  const ageSeconds = Math.max(0, Math.round((now.getTime() - latest.getTime()) / 1000));
  return {
    ...base,
    latestRestorableTime: latest.toISOString(),
    ageSeconds,
    ok: targetSeconds === null || ageSeconds <= targetSeconds,
  };
}
