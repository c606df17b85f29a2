import { S3EvidenceStore } from '../../../engines/evidence/store';
import { listRecoveryPoints } from '../../../engines/common/recovery-points';
import { drillCadence, drillDue } from '../../config/drill-cadence';
import type { EnvironmentConfig, ProtectedDatabase } from '../../config/environment-config';
import { names } from '../../naming';
import type { AwsFlags, AwsTarget } from '../aws';
import type { InstanceConformanceStatus } from './conformance';
import { replicationStatus, type ReplicaStatus } from './replication-status';
import { restorableStatus, type RestorableStatus } from './restorable-status';
import { checkError } from './status-errors';

/**
 * One protected database in `rxdr status`: the newest recovery point in each vault against the age the tier
 * allows, the standby's lag against the RPO, the latest restorable time, and the last drill with its achieved
 * RTO/RPO and the next one due. `collect-status.ts` adds the conformance of its resources.
 */
export interface VaultStatus {
  readonly role: 'primary' | 'recovery';
  readonly vault: string;
  readonly region: string;
  /** Creation time of the newest completed recovery point of this database, or null when there is none. */
  readonly newest: string | null;
  readonly ageSeconds: number | null;
  /**
   * The oldest the newest point may be: the tier RPO, or the snapshot interval when continuous backup or the
   * read replica carries the RPO (a daily snapshot is never 5 minutes old).
   */
  readonly maxAgeSeconds: number;
  readonly ok: boolean;
  readonly error?: string;
}

export interface DrillStatus {
  readonly runId: string;
  readonly started: string;
  readonly result: 'passed' | 'failed';
  readonly achievedRtoSeconds: number | null;
  readonly achievedRpoSeconds: number | null;
  readonly rtoOk: boolean;
  readonly rpoOk: boolean;
  readonly failureReason?: string;
}

export interface DatabaseStatus {
  readonly name: string;
  readonly tier: string;
  readonly rtoSeconds: number;
  readonly rpoSeconds: number;
  readonly vaults: VaultStatus[];
  /** Null for tiers without a standby in the recovery region (read replica or global database secondary). */
  readonly replica: ReplicaStatus | null;
  /** The primary instance's or cluster's latest restorable time (judged against the RPO with point-in-time). */
  readonly restorable: RestorableStatus;
  /** Null when no drill evidence exists yet (flagged: restores must be tested). */
  readonly lastDrill: DrillStatus | null;
  /** The tier's drill schedule in words (`drill.tierSchedules`, else `drill.schedule`). */
  readonly drillCadence: string;
  /** The first scheduled drill after the last one; null when there has been none (due now). */
  readonly nextDrillDue: string | null;
  /** No drill yet, or the due drill's time plus the drill time limit has passed without one (flagged). */
  readonly overdue: boolean;
  readonly drillError?: string;
  /** The actual settings of the source instance or cluster and its standby against the rules (`engines/conformance`). */
  readonly conformance: InstanceConformanceStatus[];
  readonly ok: boolean;
}

const SNAPSHOT_INTERVAL_SECONDS = { hourly: 3600, daily: 86_400 } as const;

export async function databaseStatus(
  env: EnvironmentConfig,
  db: ProtectedDatabase,
  recovery: AwsTarget,
  primary: AwsTarget,
  flags: Pick<AwsFlags, 'profile'>,
  now: Date,
): Promise<Omit<DatabaseStatus, 'conformance'>> {
  const tier = db.tierPreset;
  const rpoSeconds = tier.rpoMinutes * 60;
  const rtoSeconds = tier.rtoMinutes * 60;
  const maxAgeSeconds = Math.max(rpoSeconds, SNAPSHOT_INTERVAL_SECONDS[tier.snapshotFrequency]);
  const resourceArn = databaseArn(env, db);
  const [vaults, replica, restorable, drill] = await Promise.all([
    Promise.all([
      vaultStatus('primary', names.primaryVault(env), primary, resourceArn, maxAgeSeconds, now, flags.profile),
      vaultStatus('recovery', names.recoveryVault(env), recovery, resourceArn, maxAgeSeconds, now, flags.profile),
    ]),
    replicationStatus(env, db, recovery, now, flags.profile),
    restorableStatus(env, db, primary, now, flags.profile),
    lastDrill(env, db, recovery, rtoSeconds, rpoSeconds, flags.profile),
  ]);
  const drillOk = drill.status !== null && drill.status.result === 'passed' && drill.status.rtoOk && drill.status.rpoOk;
  const cadence = drillCadence(env.drill, db.tier);
  const due = drill.error
    ? { nextDrillDue: null, overdue: false }
    : drillDue(cadence, drill.status ? new Date(drill.status.started) : undefined, now);
  return {
    name: db.name,
    tier: db.tier,
    rtoSeconds,
    rpoSeconds,
    vaults,
    replica,
    restorable,
    lastDrill: drill.status,
    drillCadence: cadence.description,
    nextDrillDue: due.nextDrillDue,
    overdue: due.overdue,
    ...(drill.error ? { drillError: drill.error } : {}),
    ok: vaults.every((v) => v.ok) && (replica === null || replica.ok) && restorable.ok && drillOk && !due.overdue,
  };
}

async function vaultStatus(
  role: 'primary' | 'recovery',
  vault: string,
  target: AwsTarget,
  resourceArn: string,
  maxAgeSeconds: number,
  now: Date,
  profile?: string,
): Promise<VaultStatus> {
  const base = { role, vault, region: target.region, maxAgeSeconds };
  let points: Awaited<ReturnType<typeof listRecoveryPoints>> = [];
  try {
    points = await listRecoveryPoints(target.clients.backup, { vault, resourceArn });
  } catch (error) {
    return { ...base, newest: null, ageSeconds: null, ok: false, error: checkError(error, target, profile) };
  }
  const newest = points
    .filter(
      (p) =>
        p.Status === 'COMPLETED' && p.CreationDate && (p.ResourceArn === undefined || p.ResourceArn === resourceArn),
    )
    .map((p) => p.CreationDate as Date)
    .sort((a, b) => b.getTime() - a.getTime())[0];
  if (!newest)
    return {
      ...base,
      newest: null,
      ageSeconds: null,
      ok: false,
      error: `no completed recovery point of ${resourceArn}`,
    };
  const ageSeconds = Math.max(0, Math.round((now.getTime() - newest.getTime()) / 1000));
  return { ...base, newest: newest.toISOString(), ageSeconds, ok: ageSeconds <= maxAgeSeconds };
}

/** The instance or cluster a configured database is backed up from; copies in the recovery vault keep this ARN. */
export function databaseArn(env: EnvironmentConfig, db: ProtectedDatabase): string {
  const source = names.primarySource(env, db);
  return `arn:aws:rds:${env.primaryRegion}:${env.account}:${source.resource}:${source.identifier}`;
}

async function lastDrill(
  env: EnvironmentConfig,
  db: ProtectedDatabase,
  target: AwsTarget,
  rtoSeconds: number,
  rpoSeconds: number,
  profile?: string,
): Promise<{ status: DrillStatus | null; error?: string }> {
  const store = new S3EvidenceStore(target.clients.s3, names.evidenceBucket(env), `${env.name}/${db.name}/`);
  let documents;
  try {
    ({ documents } = await store.list());
  } catch (error) {
    return { status: null, error: checkError(error, target, profile) };
  }
  const drill = documents.filter((d) => d.kind === 'drill' && d.database === db.name).at(-1);
  if (!drill) return { status: null };
  const rto = drill.achievedRtoSeconds ?? null;
  const rpo = drill.achievedRpoSeconds ?? null;
  return {
    status: {
      runId: drill.runId,
      started: drill.timestamps.started,
      result: drill.result,
      achievedRtoSeconds: rto,
      achievedRpoSeconds: rpo,
      rtoOk: rto !== null && rto <= rtoSeconds,
      rpoOk: rpo !== null && rpo <= rpoSeconds,
      ...(drill.failureReason ? { failureReason: drill.failureReason } : {}),
    },
  };
}
