import { Duration, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { RxdrBackupVault } from '../backup-vault';
import { BackupJobAlerts } from './backup-job-alerts';
import {
  FreshnessAlarms,
  MonitoredDatabase,
  monitoredDatabaseProblems,
  RECOVERY_POINT_AGE_METRIC,
  RECOVERY_POINT_CHECK_MINUTES,
  RESTORABLE_TIME_CHECK_MINUTES,
  VaultRole,
} from './freshness-alarms';
import { RecoveryPointFreshness } from './freshness-function';

export interface BackupMonitoringProps {
  /** Environment name: the metrics' `Environment` dimension, rule names and alarm descriptions. */
  readonly environmentName: string;
  /** The protected databases whose recovery points this region's vault holds. */
  readonly databases: readonly MonitoredDatabase[];
  /**
   * Retention of the freshness function's logs.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Also alarm when a database's newest recovery point is older than 48 hours (HIPAA Security Rule NPRM, proposed).
   * @default false
   */
  readonly hipaaNprm?: boolean;
  /** This region's rxdr vault (the freshness check is created after it). */
  readonly vault: backup.IBackupVault;
  /** The vault's deterministic name (`names.primaryVault` / `names.recoveryVault`): the `Vault` dimension. */
  readonly vaultName: string;
  /** "source" for the primary vault, "copy" for the recovery vault (copies arrive later: see the thresholds). */
  readonly vaultRole: VaultRole;
  /** This region's encrypted alerts topic. */
  readonly topic: sns.ITopic;
  /** This region's customer-managed key (function logs and environment). */
  readonly key: kms.IKey;
}

/**
 * Backup monitoring for one region: job alerts (EventBridge → alerts topic), the scheduled freshness check of
 * this region's vault, and the age alarms. Each region watches its own vault, so losing the primary region
 * does not blind the recovery region (the vault a failover restores from), and no call crosses regions.
 */
export class BackupMonitoring extends Construct {
  readonly jobAlerts: BackupJobAlerts;
  readonly freshness: RecoveryPointFreshness;
  readonly alarms: FreshnessAlarms;

  constructor(scope: Construct, id: string, props: BackupMonitoringProps) {
    super(scope, id);
    const problems = monitoredDatabaseProblems(props.databases);
    if (problems.length > 0) throw new Error(`BackupMonitoring: ${problems.join('; ')}`);
    const region = Stack.of(this).region;

    this.jobAlerts = new BackupJobAlerts(this, 'JobAlerts', {
      environmentName: props.environmentName,
      topic: props.topic,
    });
    const databases = props.databases.map((db) => ({ name: db.name, resourceArn: db.resourceArn }));
    // The primary region watches its databases' latest restorable time (continuous backup): the RPO alarm.
    const restorableTime = props.vaultRole === 'source';
    const continuous = new Set(props.databases.filter((db) => db.continuousBackup).map((db) => db.name));
    this.freshness = new RecoveryPointFreshness(this, 'Freshness', {
      check: {
        environment: props.environmentName,
        namespace: RECOVERY_POINT_AGE_METRIC.namespace,
        metricName: RECOVERY_POINT_AGE_METRIC.metricName,
        vaults: [{ name: props.vaultName, region }],
        databases,
      },
      restorableTimeOf: restorableTime ? databases.filter((db) => continuous.has(db.name)) : undefined,
      restorableTimeInterval: Duration.minutes(RESTORABLE_TIME_CHECK_MINUTES),
      interval: Duration.minutes(RECOVERY_POINT_CHECK_MINUTES),
      vaultArns: [RxdrBackupVault.arnInRegion(this, props.vaultName, region)],
      key: props.key,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    });
    this.freshness.node.addDependency(props.vault);
    this.alarms = new FreshnessAlarms(this, 'Alarms', {
      environmentName: props.environmentName,
      databases: props.databases,
      hipaaNprm: props.hipaaNprm,
      vaultName: props.vaultName,
      vaultRole: props.vaultRole,
      topic: props.topic,
      restorableTime,
    });
  }
}
