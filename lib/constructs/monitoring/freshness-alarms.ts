import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { TierPreset } from '../../config/tiers';
import {
  FRESHNESS_METRICS,
  recoveryPointAgeDimensions,
  restorableTimeDimensions,
} from '../../../engines/common/metrics-contract';

/** The metric the freshness function publishes (it receives both names in its scheduled event). */
export const RECOVERY_POINT_AGE_METRIC = {
  namespace: FRESHNESS_METRICS.namespace,
  metricName: FRESHNESS_METRICS.recoveryPointAge,
} as const;

/** How often the recovery point check runs, and the age alarms' period. */
export const RECOVERY_POINT_CHECK_MINUTES = 15;
/** How often the restorable-time check runs, and the restorable-time alarms' period. */
export const RESTORABLE_TIME_CHECK_MINUTES = 1;
/** RDS uploads transaction logs about every 5 minutes: the latest restorable time normally trails by up to this. */
export const TRANSACTION_LOG_UPLOAD_MINUTES = 5;
/** Most consecutive late minutes a restorable-time alarm waits for (it rides out a slow log upload). */
const MAX_RESTORABLE_TIME_PERIODS = 5;

/** docs/domain.md N1 (HIPAA Security Rule NPRM, proposed): the newest recovery point is at most 48 hours old. */
export const HIPAA_NPRM_MAX_AGE_HOURS = 48;

/**
 * Snapshot rule windows, as `TierBackupPlans` sets them: a job may start up to 1 hour after its schedule and
 * must finish within 2 hours (hourly rules) or 8 hours (daily rules). A test checks these against the plans.
 */
export const SNAPSHOT_WINDOWS_MINUTES = { start: 60, completion: { hourly: 120, daily: 480 } } as const;

const SNAPSHOT_INTERVAL_MINUTES = { hourly: 60, daily: 1440 } as const;

/** Whether a vault holds recovery points made there (the primary vault) or copies of them (the recovery vault). */
export type VaultRole = 'source' | 'copy';

/**
 * The age, in minutes, above which a tier's newest snapshot recovery point in a vault is late.
 *
 * The freshness metric measures snapshot recovery points only. A continuous (PITR) recovery point is one
 * long-lived point whose creation date is when continuous backup began, so "the newest recovery point" of a
 * continuous-backup tier would be that point and its age would grow forever; it is left out.
 *
 * A snapshot's age then climbs from zero to one snapshot interval before the next one can exist, plus the
 * time the next job may take to start and to finish. An alarm below that would fire every cycle, so:
 * - tiers whose RPO is at least their snapshot interval (deferrable: 24 h RPO, daily snapshots) alarm at
 *   the RPO plus the start and completion windows: the RPO is at risk as soon as a snapshot is missed;
 * - tiers whose RPO is shorter than the snapshot interval (critical 5 min, important 1 h) meet that RPO
 *   with continuous backup and replicas, which snapshots cannot show; their job failures reach on-call
 *   through the vault notifications and `BackupJobAlerts`, replica lag through its own alarm. For them the
 *   age alarm watches the snapshot schedule itself: the snapshot interval plus the windows.
 * Copies (the recovery vault) get one more completion window: the copy job starts when the backup ends and
 * has no completion window of its own.
 */
export function recoveryPointAgeThresholdMinutes(
  tier: Pick<TierPreset, 'rpoMinutes' | 'snapshotFrequency'>,
  vault: VaultRole,
): number {
  const interval = SNAPSHOT_INTERVAL_MINUTES[tier.snapshotFrequency];
  const completion = SNAPSHOT_WINDOWS_MINUTES.completion[tier.snapshotFrequency];
  const copy = vault === 'copy' ? completion : 0;
  return Math.max(tier.rpoMinutes, interval) + SNAPSHOT_WINDOWS_MINUTES.start + completion + copy;
}

/** Threshold and evaluation of an alarm on the seconds since a database's latest restorable time. */
export interface RestorableTimeAlarmSpec {
  readonly thresholdMinutes: number;
  readonly periodMinutes: number;
  readonly evaluationPeriods: number;
}

/**
 * The restorable-time alarm of a tier with continuous backup, chosen so that it can fire within the RPO:
 * the worst case from the last restorable moment to the alarm is the threshold plus the evaluation periods,
 * which must not exceed the RPO plus one check interval (the time a datapoint may wait to be sampled). Up to
 * five one-minute periods ride out a slow log upload, and the threshold never drops below the
 * transaction-log upload interval, below which the alarm would fire in normal operation. A tier whose RPO
 * is under that interval (possible only with a read replica) is watched within its RPO by the replica lag
 * alarm; `detectionMinutes` then exceeds its RPO, which the tests report.
 */
export function restorableTimeAlarmSpec(rpoMinutes: number): RestorableTimeAlarmSpec {
  const period = RESTORABLE_TIME_CHECK_MINUTES;
  const budget = rpoMinutes + RESTORABLE_TIME_CHECK_MINUTES - TRANSACTION_LOG_UPLOAD_MINUTES;
  const evaluationPeriods = Math.max(1, Math.min(MAX_RESTORABLE_TIME_PERIODS, Math.floor(budget / period)));
  const thresholdMinutes = Math.max(
    TRANSACTION_LOG_UPLOAD_MINUTES,
    rpoMinutes + RESTORABLE_TIME_CHECK_MINUTES - period * evaluationPeriods,
  );
  return { thresholdMinutes, periodMinutes: period, evaluationPeriods };
}

/** One protected database as the freshness check and its alarms see it. */
export interface MonitoredDatabase {
  readonly name: string;
  /**
   * The RDS instance or Aurora cluster it is backed up from, in the primary region: its recovery points (and
   * their copies) carry this source ARN.
   */
  readonly resourceArn: string;
  /** Its tier's name, for the alarm descriptions (e.g. `critical`). */
  readonly tier: string;
  /** The tier's recovery point objective, in minutes. */
  readonly rpoMinutes: number;
  /** How often the tier's backup plan takes a snapshot. */
  readonly snapshotFrequency: 'hourly' | 'daily';
  /**
   * The tier keeps continuous backup (point-in-time restore): its latest restorable time is watched.
   * @default false
   */
  readonly continuousBackup?: boolean;
}

export interface FreshnessAlarmsProps {
  /** Environment name: the metrics' `Environment` dimension and the alarm descriptions. */
  readonly environmentName: string;
  /** The databases whose recovery points the alarms watch. */
  readonly databases: readonly MonitoredDatabase[];
  /** The vault whose ages the alarms watch (the `Vault` dimension). */
  readonly vaultName: string;
  readonly vaultRole: VaultRole;
  readonly topic: sns.ITopic;
  /**
   * Also alarm on the seconds since the latest restorable time of each database with continuous backup
   * (the region whose function runs the restorable-time check: the primary).
   * @default false
   */
  readonly restorableTime?: boolean;
  /**
   * Also alarm when a database's newest recovery point is older than 48 hours (HIPAA Security Rule NPRM, proposed).
   * @default false
   */
  readonly hipaaNprm?: boolean;
}

/** Every problem with monitored databases, each naming the value received (empty when there is none). */
export function monitoredDatabaseProblems(databases: readonly MonitoredDatabase[]): string[] {
  const problems: string[] = [];
  if (databases.length === 0) problems.push('databases: at least one database, got none');
  const seen = new Set<string>();
  for (const db of databases) {
    if (seen.has(db.name)) problems.push(`databases: names must be unique, got ${db.name} twice`);
    seen.add(db.name);
    if (!(Number.isInteger(db.rpoMinutes) && db.rpoMinutes > 0))
      problems.push(`databases.${db.name}.rpoMinutes: a positive whole number of minutes, got ${db.rpoMinutes}`);
    if (!(db.snapshotFrequency in SNAPSHOT_INTERVAL_MINUTES))
      problems.push(`databases.${db.name}.snapshotFrequency: hourly or daily, got ${String(db.snapshotFrequency)}`);
  }
  return problems;
}

/**
 * Per protected database: an alarm when the newest snapshot recovery point in the vault is older than its
 * tier allows (`recoveryPointAgeThresholdMinutes`), with `hipaaNprm` one at 48 hours (N1), and with
 * `restorableTime`, for each database with continuous backup, one when its latest restorable time is older
 * than `restorableTimeAlarmSpec` allows: the alarm that fires within the RPO. All treat missing data as
 * breaching: a database never backed up, or a check that could not run, alarms too (a new environment's
 * alarms therefore stay in ALARM until the first recovery point exists, which is the truth).
 *
 * The recovery point check runs every 15 minutes; its alarms need two late 15-minute periods in a row, so one
 * failed run does not page anyone. Worst case from the newest snapshot to the alarm: threshold + 30 minutes.
 */
export class FreshnessAlarms extends Construct {
  /** Alarms by database name: `rpo` always, `hipaaNprm` with the flag, `restorableTime` for continuous backup. */
  readonly alarms: Readonly<
    Record<
      string,
      {
        readonly rpo: cloudwatch.Alarm;
        readonly hipaaNprm?: cloudwatch.Alarm;
        readonly restorableTime?: cloudwatch.Alarm;
      }
    >
  >;

  constructor(scope: Construct, id: string, props: FreshnessAlarmsProps) {
    super(scope, id);
    const problems = monitoredDatabaseProblems(props.databases);
    if (problems.length > 0) throw new Error(`FreshnessAlarms: ${problems.join('; ')}`);
    const environment = props.environmentName;
    const action = new actions.SnsAction(props.topic);
    const alarms: Record<
      string,
      { rpo: cloudwatch.Alarm; hipaaNprm?: cloudwatch.Alarm; restorableTime?: cloudwatch.Alarm }
    > = {};
    const notify = (alarm: cloudwatch.Alarm) => {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      return alarm;
    };

    for (const db of props.databases) {
      const metric = new cloudwatch.Metric({
        namespace: FRESHNESS_METRICS.namespace,
        metricName: FRESHNESS_METRICS.recoveryPointAge,
        dimensionsMap: recoveryPointAgeDimensions(environment, db.name, props.vaultName),
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(RECOVERY_POINT_CHECK_MINUTES),
        unit: cloudwatch.Unit.SECONDS,
      });
      const alarm = (alarmId: string, thresholdMinutes: number, why: string) =>
        notify(
          metric.createAlarm(this, `${alarmId}-${db.name}`, {
            threshold: thresholdMinutes * 60,
            comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluationPeriods: 2,
            datapointsToAlarm: 2,
            treatMissingData: cloudwatch.TreatMissingData.BREACHING,
            alarmDescription:
              `rxdr ${environment}: the newest completed recovery point of ${db.name} (tier ${db.tier}) in vault ${props.vaultName} is older than ${formatMinutes(thresholdMinutes)} (${why}), ` +
              'or there is none, or the freshness function could not read the vault (see its logs).',
          }),
        );
      const thresholdMinutes = recoveryPointAgeThresholdMinutes(db, props.vaultRole);
      alarms[db.name] = {
        rpo: alarm(
          'RecoveryPointAge',
          thresholdMinutes,
          `RPO ${formatMinutes(db.rpoMinutes)}, ${db.snapshotFrequency} snapshots`,
        ),
        hipaaNprm: props.hipaaNprm
          ? alarm('RecoveryPointAge48h', HIPAA_NPRM_MAX_AGE_HOURS * 60, 'HIPAA Security Rule NPRM, proposed')
          : undefined,
        restorableTime:
          props.restorableTime && db.continuousBackup
            ? notify(this.restorableTimeAlarm(environment, db.name, db.tier, db.rpoMinutes))
            : undefined,
      };
    }
    this.alarms = alarms;
  }

  private restorableTimeAlarm(
    environment: string,
    database: string,
    tier: string,
    rpoMinutes: number,
  ): cloudwatch.Alarm {
    const spec = restorableTimeAlarmSpec(rpoMinutes);
    const metric = new cloudwatch.Metric({
      namespace: FRESHNESS_METRICS.namespace,
      metricName: FRESHNESS_METRICS.secondsSinceLatestRestorableTime,
      dimensionsMap: restorableTimeDimensions(environment, database),
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(spec.periodMinutes),
      unit: cloudwatch.Unit.SECONDS,
    });
    return metric.createAlarm(this, `RestorableTime-${database}`, {
      threshold: spec.thresholdMinutes * 60,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: spec.evaluationPeriods,
      datapointsToAlarm: spec.evaluationPeriods,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      alarmDescription:
        `rxdr ${environment}: ${database} (tier ${tier}, RPO ${formatMinutes(rpoMinutes)}) cannot be restored to any moment in the last ${formatMinutes(spec.thresholdMinutes)} ` +
        `for ${spec.evaluationPeriods} minute(s) in a row (RDS LatestRestorableTime), or the restorable-time check could not run (see the freshness function's logs).`,
    });
  }
}

function formatMinutes(minutes: number): string {
  return minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`;
}
