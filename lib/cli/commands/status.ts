import { ListRecoveryPointsByBackupVaultCommand, type RecoveryPointByBackupVault } from '@aws-sdk/client-backup';
import { DescribeAlarmsCommand, GetMetricStatisticsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { Command, Option } from 'commander';
import { S3EvidenceStore } from '../../../engines/evidence/store';
import type { EnvironmentConfig, ProtectedDatabase } from '../../config/environment-config';
import { names } from '../../naming';
import {
  awsUsageError,
  callerIdentity,
  cliRuntime,
  resolveTarget,
  type AwsFlags,
  type AwsTarget,
  type CliClients,
} from '../aws';
import type { CliContext, CommandRegistrar } from '../context';
import { ExitCode } from '../errors';
import { foreignRecoveryPoints, renderForeignRecoveryPoints } from './foreign-recovery-points';
import type { ForeignRecoveryPoints } from './foreign-recovery-points';
import { collectReadiness, renderStatusReadiness, type StatusReadiness } from './readiness';

/**
 * `rxdr status`: is every protected database recoverable right now? Per database: the newest recovery point
 * in each vault against the age the tier allows, the read replica's lag against the RPO, the last drill and
 * its achieved RTO/RPO; then recovery points in the environment's vaults of resources that are not its
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
  readonly drillError?: string;
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

export const registerStatus: CommandRegistrar = (program: Command, context: CliContext) => {
  program
    .command('status')
    .description(
      "per database: newest recovery point in each vault vs RPO, replica lag, last drill; other resources' recovery points in the vaults; open alarms (AWS, read-only)",
    )
    .addOption(new Option('--env <name>', 'environment from config/rxdr.config.json').makeOptionMandatory())
    .option('--database <name>', 'limit to one protected database')
    .option('--region <region>', "the recovery region to read (default: the environment's)")
    .option('--profile <name>', 'AWS named profile (default: the standard credential chain)')
    .option('--json', 'print one JSON document on stdout')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals() as AwsFlags;
      const recovery = resolveTarget(flags);
      await callerIdentity(recovery, flags.profile);
      const primary: AwsTarget = {
        env: recovery.env,
        region: recovery.env.primaryRegion,
        clients: cliRuntime.clients({
          region: recovery.env.primaryRegion,
          ...(flags.profile ? { profile: flags.profile } : {}),
        }),
      };
      const report = await collectStatus(recovery, primary, flags, new Date());
      if (flags.json) context.io.out(JSON.stringify(report, null, 2));
      else context.io.out(renderStatus(report));
      context.exitCode = report.ok ? ExitCode.Ok : ExitCode.Failed;
    });
};

export async function collectStatus(
  recovery: AwsTarget,
  primary: AwsTarget,
  flags: AwsFlags,
  now: Date,
): Promise<StatusReport> {
  const env = recovery.env;
  const selected = env.databases.filter((db) => !flags.database || db.name === flags.database);
  const databases = await Promise.all(selected.map((db) => databaseStatus(env, db, recovery, primary, flags, now)));
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
): Promise<DatabaseStatus> {
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
  return {
    name: db.name,
    tier: db.tier,
    rtoSeconds,
    rpoSeconds,
    vaults,
    replica,
    lastDrill: drill.status,
    ...(drill.error ? { drillError: drill.error } : {}),
    ok: vaults.every((v) => v.ok) && (replica === null || replica.ok) && drillOk,
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

/** The instance a configured database is backed up from; copies in the recovery vault keep this source ARN. */
function databaseArn(env: EnvironmentConfig, db: ProtectedDatabase): string {
  const instance = db.mode === 'create' ? names.databaseInstance(env, db) : db.instanceIdentifier;
  return `arn:aws:rds:${env.primaryRegion}:${env.account}:db:${instance}`;
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

function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

const mark = (ok: boolean): string => (ok ? '✓' : '✗');

export function renderStatus(report: StatusReport): string {
  const lines = [
    `rxdr status ${report.environment} (primary ${report.primaryRegion}, recovery ${report.recoveryRegion}) at ${report.generatedAt}`,
  ];
  for (const db of report.databases) {
    lines.push(
      '',
      `${mark(db.ok)} ${db.name}  tier ${db.tier}  RPO ${duration(db.rpoSeconds)}  RTO ${duration(db.rtoSeconds)}`,
    );
    for (const v of db.vaults) {
      const what = v.error ? v.error : `newest ${v.newest ?? '—'}, age ${duration(v.ageSeconds)}`;
      lines.push(
        `  ${mark(v.ok)} ${`${v.role} vault`.padEnd(16)} ${what} (max ${duration(v.maxAgeSeconds)}; ${v.vault}, ${v.region})`,
      );
    }
    if (db.replica) {
      const r = db.replica;
      lines.push(
        `  ${mark(r.ok)} ${'replica lag'.padEnd(16)} ${r.error ?? duration(r.lagSeconds)} (RPO ${duration(r.targetSeconds)}; ${r.instance})`,
      );
    }
    const d = db.lastDrill;
    if (db.drillError) lines.push(`  ✗ ${'last drill'.padEnd(16)} cannot read the evidence: ${db.drillError}`);
    else if (!d)
      lines.push(
        `  ✗ ${'last drill'.padEnd(16)} no drill yet: run \`rxdr drill start --env ${report.environment} --database ${db.name}\``,
      );
    else {
      lines.push(
        `  ${mark(d.result === 'passed')} ${'last drill'.padEnd(16)} ${d.result} ${d.started} (${d.runId})${d.failureReason ? `: ${d.failureReason}` : ''}`,
      );
      lines.push(
        `  ${mark(d.rtoOk)} ${'  drill RTO'.padEnd(16)} ${duration(d.achievedRtoSeconds)} (target ${duration(db.rtoSeconds)})`,
      );
      lines.push(
        `  ${mark(d.rpoOk)} ${'  drill RPO'.padEnd(16)} ${duration(d.achievedRpoSeconds)} (target ${duration(db.rpoSeconds)})`,
      );
    }
  }
  const { foreignRecoveryPoints: foreign, foreignRecoveryPointErrors: foreignErrors } = report;
  lines.push('', ...renderForeignRecoveryPoints(report.environment, foreign, foreignErrors));
  if (report.alarms.length === 0 && report.alarmErrors.length === 0) lines.push('✓ no open alarms');
  for (const a of report.alarms) lines.push(`✗ alarm ${a.name} (${a.region}) since ${a.since ?? '?'}: ${a.reason}`);
  for (const e of report.alarmErrors) lines.push(`✗ alarms in ${e.region} unreadable: ${e.error}`);
  lines.push(...renderStatusReadiness(report.readiness));
  return lines.join('\n');
}
