import { ListRecoveryPointsByBackupVaultCommand, type RecoveryPointByBackupVault } from '@aws-sdk/client-backup';
import { DescribeAlarmsCommand, GetMetricStatisticsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { S3EvidenceStore } from '../../../engines/evidence/store';
import { drillCadence, drillDue } from '../../config/drill-cadence';
import type { EnvironmentConfig, ProtectedDatabase } from '../../config/environment-config';
import { names } from '../../naming';
import { awsUsageError, type AwsFlags, type AwsTarget, type CliClients } from '../aws';
import { collectConformance, type InstanceConformanceStatus } from './conformance';
import { foreignRecoveryPoints } from './foreign-recovery-points';
import type { ForeignRecoveryPoints } from './foreign-recovery-points';
import { collectReadiness, type StatusReadiness } from './readiness';

/**
 * `rxdr status`: is every protected database recoverable right now? Per database: the newest recovery point
 * in each vault against the age the tier allows, the read replica's lag against the RPO, the last drill and
 * its achieved RTO/RPO, the conformance of its instances' actual settings (`engines/conformance`); then recovery
 * points in the environment's vaults of resources that are not its
 * configured databases, and the environment's open alarms. Read-only. Exit 0 when everything is within its
 * target, 1 when something is flagged (✗), 2 for usage, credential and connection problems.
 *
 * `--json` prints one `StatusReport` (below); `docs/runbooks/failover.md` documents the shape.
 */
export interface StatusReport {
  readonly environment: string;
  readonly primaryRegion: string;
  readonly recoveryRegion: string;
  readonly generatedAt: string;
  /** Every database ok, no recovery point of another resource in the vaults, no open alarm. */
  readonly ok: boolean;
  readonly databases: DatabaseStatus[];
  /** Recovery points in the environment's vaults of other resources (flagged); every vault, whatever `--database`. */
  readonly foreignRecoveryPoints: ForeignRecoveryPoints[];
  /** Vaults whose recovery points could not be listed for that check. */
  readonly foreignRecoveryPointErrors: { vault: string; region: string; error: string }[];
  readonly alarms: OpenAlarm[];
  /** Regions whose alarms could not be read (the primary region may be the one that is down). */
  readonly alarmErrors: { region: string; error: string }[];
  /** The on-call roster: who is current, who is overdue for a game day, training gaps (null without a roster). */
  readonly readiness: StatusReadiness | null;
}

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

export interface ReplicaStatus {
  readonly instance: string;
  readonly region: string;
  /** Newest `ReplicaLag` (Maximum over 1 min) in the last 10 minutes; null when CloudWatch has none. */
  readonly lagSeconds: number | null;
  readonly at: string | null;
  readonly targetSeconds: number;
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
  /** Null for tiers without a cross-region read replica. */
  readonly replica: ReplicaStatus | null;
  /** Null when no drill evidence exists yet (flagged: restores must be tested). */
  readonly lastDrill: DrillStatus | null;
  /** The tier's drill schedule in words (`drill.tierSchedules`, else `drill.schedule`). */
  readonly drillCadence: string;
  /** The first scheduled drill after the last one; null when there has been none (due now). */
  readonly nextDrillDue: string | null;
  /** No drill yet, or the due drill's time plus the drill time limit has passed without one (flagged). */
  readonly overdue: boolean;
  readonly drillError?: string;
  /** The actual settings of the source instance and its replica against the rules (`engines/conformance`). */
  readonly conformance: InstanceConformanceStatus[];
  readonly ok: boolean;
}

export interface OpenAlarm {
  readonly name: string;
  readonly region: string;
  readonly reason: string;
  readonly since: string | null;
}

const SNAPSHOT_INTERVAL_SECONDS = { hourly: 3600, daily: 86_400 } as const;
const LAG_WINDOW_SECONDS = 600;

export async function collectStatus(
  recovery: AwsTarget,
  primary: AwsTarget,
  flags: AwsFlags,
  now: Date,
): Promise<StatusReport> {
  const env = recovery.env;
  const selected = env.databases.filter((db) => !flags.database || db.name === flags.database);
  const [statuses, conformance] = await Promise.all([
    Promise.all(selected.map((db) => databaseStatus(env, db, recovery, primary, flags, now))),
    collectConformance(env, now, { database: flags.database, profile: flags.profile }),
  ]);
  const databases = statuses.map((db) => {
    const instances = conformance.filter((c) => c.database === db.name);
    return { ...db, conformance: instances, ok: db.ok && instances.every((c) => c.ok) };
  });
  const [foreign, alarmResults, readiness] = await Promise.all([
    Promise.all([
      vaultForeignPoints(env, 'primary', names.primaryVault(env), primary, flags.profile),
      vaultForeignPoints(env, 'recovery', names.recoveryVault(env), recovery, flags.profile),
    ]),
    Promise.all([primary, recovery].map((t) => openAlarms(env, t, flags.profile))),
    collectReadiness(recovery, now, flags.profile),
  ]);
  const foreignFound = foreign.flatMap((f) => f.found);
  const foreignErrors = foreign.flatMap((f) => f.errors);
  const alarms = alarmResults.flatMap((r) => r.alarms);
  const alarmErrors = alarmResults.flatMap((r) => (r.error ? [{ region: r.region, error: r.error }] : []));
  return {
    environment: env.name,
    primaryRegion: env.primaryRegion,
    recoveryRegion: recovery.region,
    generatedAt: now.toISOString(),
    ok:
      databases.every((db) => db.ok) &&
      ![foreignFound, foreignErrors, alarms, alarmErrors].some((l) => l.length > 0) &&
      (readiness?.ok ?? true),
    databases,
    foreignRecoveryPoints: foreignFound,
    foreignRecoveryPointErrors: foreignErrors,
    alarms,
    alarmErrors,
    readiness,
  };
}

async function databaseStatus(
  env: EnvironmentConfig,
  db: ProtectedDatabase,
  recovery: AwsTarget,
  primary: AwsTarget,
  flags: AwsFlags,
  now: Date,
): Promise<Omit<DatabaseStatus, 'conformance'>> {
  const tier = db.tierPreset;
  const rpoSeconds = tier.rpoMinutes * 60;
  const rtoSeconds = tier.rtoMinutes * 60;
  const maxAgeSeconds = Math.max(rpoSeconds, SNAPSHOT_INTERVAL_SECONDS[tier.snapshotFrequency]);
  const resourceArn = databaseArn(env, db);
  const [vaults, replica, drill] = await Promise.all([
    Promise.all([
      vaultStatus('primary', names.primaryVault(env), primary, resourceArn, maxAgeSeconds, now, flags.profile),
      vaultStatus('recovery', names.recoveryVault(env), recovery, resourceArn, maxAgeSeconds, now, flags.profile),
    ]),
    tier.crossRegionReadReplica
      ? replicaStatus(names.replicaInstance(env, db), recovery, rpoSeconds, now, flags.profile)
      : Promise.resolve(null),
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
    lastDrill: drill.status,
    drillCadence: cadence.description,
    nextDrillDue: due.nextDrillDue,
    overdue: due.overdue,
    ...(drill.error ? { drillError: drill.error } : {}),
    ok: vaults.every((v) => v.ok) && (replica === null || replica.ok) && drillOk && !due.overdue,
  };
}

/** Credential problems abort the command (exit 2); anything else is reported against the one check it hit. */
function checkError(error: unknown, target: AwsTarget, profile: string | undefined): string {
  const mapped = awsUsageError(error, target, profile);
  if (mapped.name === 'UsageError' && /credentials/.test(mapped.message)) throw mapped;
  return mapped.message;
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
  let points: RecoveryPointByBackupVault[] = [];
  try {
    points = await listRecoveryPoints(target.clients, vault, resourceArn);
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
function databaseArn(env: EnvironmentConfig, db: ProtectedDatabase): string {
  const source = names.primarySource(env, db);
  return `arn:aws:rds:${env.primaryRegion}:${env.account}:${source.resource}:${source.identifier}`;
}

type VaultRole = ForeignRecoveryPoints['role'];

/** One vault's recovery points of other resources (`foreign-recovery-points.ts`), or why they could not be listed. */
async function vaultForeignPoints(
  env: EnvironmentConfig,
  role: VaultRole,
  vault: string,
  target: AwsTarget,
  profile?: string,
) {
  try {
    const points = await listRecoveryPoints(target.clients, vault);
    const configured = new Set(env.databases.map((db) => databaseArn(env, db)));
    return { found: foreignRecoveryPoints({ role, vault, region: target.region, points }, configured), errors: [] };
  } catch (error) {
    return { found: [], errors: [{ vault, region: target.region, error: checkError(error, target, profile) }] };
  }
}

/** Every recovery point in a vault, or only those of `resourceArn`. */
async function listRecoveryPoints(clients: CliClients, vault: string, resourceArn?: string) {
  const points: RecoveryPointByBackupVault[] = [];
  let token: string | undefined;
  do {
    const page = await clients.backup.send(
      new ListRecoveryPointsByBackupVaultCommand({
        BackupVaultName: vault,
        ByResourceArn: resourceArn,
        NextToken: token,
      }),
    );
    points.push(...(page.RecoveryPoints ?? []));
    token = page.NextToken;
  } while (token);
  return points;
}

async function replicaStatus(
  instance: string,
  target: AwsTarget,
  targetSeconds: number,
  now: Date,
  profile?: string,
): Promise<ReplicaStatus> {
  const base = { instance, region: target.region, targetSeconds };
  try {
    const out = await target.clients.cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/RDS',
        MetricName: 'ReplicaLag',
        Dimensions: [{ Name: 'DBInstanceIdentifier', Value: instance }],
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
        error: `no ReplicaLag data in the last ${LAG_WINDOW_SECONDS / 60} min: is the replica running?`,
      };
    const lagSeconds = latest.Maximum as number;
    return { ...base, lagSeconds, at: (latest.Timestamp as Date).toISOString(), ok: lagSeconds <= targetSeconds };
  } catch (error) {
    return { ...base, lagSeconds: null, at: null, ok: false, error: checkError(error, target, profile) };
  }
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

/**
 * Open alarms of the environment in one region. CDK names alarms after their stack (`Rxdr-<Env>-Primary-…`,
 * `Rxdr-<Env>-Recovery-…`, `Rxdr-<Env>-Standby-…`), so the stack-name prefix finds every rxdr alarm of the
 * environment and nothing of another environment.
 */
async function openAlarms(
  env: EnvironmentConfig,
  target: AwsTarget,
  profile?: string,
): Promise<{ region: string; alarms: OpenAlarm[]; error?: string }> {
  const prefix = alarmPrefix(env);
  const alarms: MetricAlarm[] = [];
  try {
    let token: string | undefined;
    do {
      const page = await target.clients.cloudwatch.send(
        new DescribeAlarmsCommand({ StateValue: 'ALARM', AlarmNamePrefix: prefix, NextToken: token }),
      );
      alarms.push(...(page.MetricAlarms ?? []), ...((page.CompositeAlarms ?? []) as MetricAlarm[]));
      token = page.NextToken;
    } while (token);
  } catch (error) {
    return { region: target.region, alarms: [], error: checkError(error, target, profile) };
  }
  return {
    region: target.region,
    alarms: alarms.map((a) => ({
      name: a.AlarmName ?? '',
      region: target.region,
      reason: a.StateReason ?? '',
      since: a.StateUpdatedTimestamp?.toISOString() ?? null,
    })),
  };
}

export function alarmPrefix(env: EnvironmentConfig): string {
  return names.primaryStack(env).replace(/Primary$/, '');
}
