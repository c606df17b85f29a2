import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../../config/environment-config';
import { TierPreset } from '../../config/tiers';

/** The metric the freshness function publishes (it receives both names in its scheduled event). */
export const RECOVERY_POINT_AGE_METRIC = { namespace: 'Rxdr/Backup', metricName: 'RecoveryPointAge' } as const;

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
export function recoveryPointAgeThresholdMinutes(tier: Pick<TierPreset, 'rpoMinutes' | 'snapshotFrequency'>, vault: VaultRole): number {
  const interval = SNAPSHOT_INTERVAL_MINUTES[tier.snapshotFrequency];
  const completion = SNAPSHOT_WINDOWS_MINUTES.completion[tier.snapshotFrequency];
  const copy = vault === 'copy' ? completion : 0;
  return Math.max(tier.rpoMinutes, interval) + SNAPSHOT_WINDOWS_MINUTES.start + completion + copy;
}

export interface FreshnessAlarmsProps {
  readonly config: EnvironmentConfig;
  /** The vault whose ages the alarms watch (the `Vault` dimension). */
  readonly vaultName: string;
  readonly vaultRole: VaultRole;
  readonly topic: sns.ITopic;
}

/**
 * Per protected database: an alarm when the newest snapshot recovery point in the vault is older than its
 * tier allows (`recoveryPointAgeThresholdMinutes`) and, with `hipaaNprm`, one at 48 hours (N1). Both treat
 * missing data as breaching: a database never backed up, or a check that could not run, alarms too (a new
 * environment's alarms therefore stay in ALARM until the first recovery point exists, which is the truth).
 *
 * The function publishes every 15 minutes; the alarms take the minimum over an hour and need two late hours
 * in a row, so one failed run or a datapoint that lands late does not page anyone.
 */
export class FreshnessAlarms extends Construct {
  /** Alarms by database name: `rpo` always, `hipaaNprm` when the flag is on. */
  readonly alarms: Readonly<Record<string, { readonly rpo: cloudwatch.Alarm; readonly hipaaNprm?: cloudwatch.Alarm }>>;

  constructor(scope: Construct, id: string, props: FreshnessAlarmsProps) {
    super(scope, id);
    const { config } = props;
    const action = new actions.SnsAction(props.topic);
    const alarms: Record<string, { rpo: cloudwatch.Alarm; hipaaNprm?: cloudwatch.Alarm }> = {};

    for (const db of config.databases) {
      const metric = new cloudwatch.Metric({
        namespace: RECOVERY_POINT_AGE_METRIC.namespace,
        metricName: RECOVERY_POINT_AGE_METRIC.metricName,
        dimensionsMap: { Environment: config.name, Database: db.name, Vault: props.vaultName },
        statistic: cloudwatch.Stats.MINIMUM,
        period: Duration.hours(1),
        unit: cloudwatch.Unit.SECONDS,
      });
      const alarm = (alarmId: string, thresholdMinutes: number, why: string) => {
        const created = metric.createAlarm(this, `${alarmId}-${db.name}`, {
          threshold: thresholdMinutes * 60,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 2,
          datapointsToAlarm: 2,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
          alarmDescription:
            `rxdr ${config.name}: the newest completed recovery point of ${db.name} (tier ${db.tier}) in vault ${props.vaultName} is older than ${formatMinutes(thresholdMinutes)} (${why}), ` +
            'or there is none, or the freshness function could not read the vault (see its logs).',
        });
        created.addAlarmAction(action);
        created.addOkAction(action);
        return created;
      };
      const thresholdMinutes = recoveryPointAgeThresholdMinutes(db.tierPreset, props.vaultRole);
      alarms[db.name] = {
        rpo: alarm('RecoveryPointAge', thresholdMinutes, `RPO ${formatMinutes(db.tierPreset.rpoMinutes)}, ${db.tierPreset.snapshotFrequency} snapshots`),
        hipaaNprm: config.hipaaNprm ? alarm('RecoveryPointAge48h', HIPAA_NPRM_MAX_AGE_HOURS * 60, 'HIPAA Security Rule NPRM, proposed') : undefined,
      };
    }
    this.alarms = alarms;
  }
}

function formatMinutes(minutes: number): string {
  return minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`;
}
