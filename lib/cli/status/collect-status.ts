import { DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { listRecoveryPoints } from '../../../engines/common/recovery-points';
import type { EnvironmentConfig } from '../../config/environment-config';
import { names } from '../../naming';
import type { AwsFlags, AwsTarget } from '../aws';
import { collectConformance } from './conformance';
import { databaseArn, databaseStatus, type DatabaseStatus } from './database-status';
import { foreignRecoveryPoints } from './foreign-recovery-points';
import type { ForeignRecoveryPoints } from './foreign-recovery-points';
import { collectReadiness, type StatusReadiness } from './readiness';
import { checkError } from './status-errors';

export type { DatabaseStatus, DrillStatus, VaultStatus } from './database-status';
export type { ReplicaStatus } from './replication-status';
export type { RestorableStatus } from './restorable-status';

/**
 * `rxdr status`: is every protected database recoverable right now? Per database (`database-status.ts`): the newest
 * recovery point in each vault against the age the tier allows, the standby's lag against the RPO (read replica or
 * global database secondary), the latest restorable time, the last drill and its achieved RTO/RPO, the conformance
 * of its instances' and clusters' actual settings (`engines/conformance`); then recovery points in the environment's
 * vaults of resources that are not its configured databases, and the environment's open alarms. Read-only. Exit 0 when everything is within its
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

export interface OpenAlarm {
  readonly name: string;
  readonly region: string;
  readonly reason: string;
  readonly since: string | null;
}

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
    const points = await listRecoveryPoints(target.clients.backup, { vault });
    const configured = new Set(env.databases.map((db) => databaseArn(env, db)));
    return { found: foreignRecoveryPoints({ role, vault, region: target.region, points }, configured), errors: [] };
  } catch (error) {
    return { found: [], errors: [{ vault, region: target.region, error: checkError(error, target, profile) }] };
  }
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
