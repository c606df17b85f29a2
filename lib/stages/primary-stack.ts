import { Stack, StackProps } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config/environment-config';
import { BackupAudit } from '../constructs/backup-audit';
import { TierBackupPlans } from '../constructs/backup-plans';
import { tierBackupSpecs } from '../constructs/tier-rules';
import { RxdrBackupVault } from '../constructs/backup-vault';
import { PrimaryDatabases } from '../constructs/database/primary-databases';
import { PrimaryGameDays } from '../constructs/gameday/primary-game-days';
import { primaryGameDayProps } from './game-day-props';
import { regionalSecurityAlarms } from '../constructs/governance/governance';
import { SecurityAlarms } from '../constructs/governance/security-alarms';
import { ConformanceCheck } from '../constructs/monitoring/conformance-check';
import { conformanceTargets } from '../compliance/conformance-targets';
import { names } from '../naming';
import { auditTargets } from './audit-targets';
import { monitorRegionalVault, regionalVault } from './regional-vault';
import { gameDayScenarios } from '../config/gameday';
import { RdsEventForwarding } from '../constructs/rds-event-forwarding';
import { runbookDatabases } from '../constructs/failover/runbook-config';
import { failbackInstanceIdentifier, restoredClusterIdentifier } from '../constructs/failover/failover-runbooks';
import { RUNBOOK_CLUSTER_CATEGORIES, RUNBOOK_RDS_CATEGORIES } from '../constructs/failover/instance-waits';

export interface PrimaryStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/** The primary region: the protected databases, their backup plans and the primary vault. */
export class PrimaryStack extends Stack {
  readonly config: EnvironmentConfig;
  /** The primary region's customer-managed key (databases, vault, secrets, topics, logs). */
  readonly key: kms.Key;
  /** Alerts in the primary region (encrypted with `key`, e-mails from the config). */
  readonly alertsTopic: sns.Topic;
  /** The primary vault (deterministic name `names.primaryVault`) the plans back up into. */
  readonly vault: backup.BackupVault;
  /** The recovery vault, imported by its deterministic ARN (copy destination of every rule). */
  readonly recoveryVault: backup.IBackupVault;
  /** One backup plan per protected tier, with selections by tag and by ARN. */
  readonly backupPlans: TierBackupPlans;
  /** Backup Audit Manager framework (ten controls) and its report plan to the evidence bucket. */
  readonly audit: BackupAudit;
  /** RDS protection: database network, reference instances, automated-backup replication to the recovery region. */
  readonly databases: PrimaryDatabases;
  /**
   * Security alarms of this region, with an organization trail only: EventBridge rules see their
   * own region's events, so the recovery stack's cannot catch a primary-vault deletion attempt. rxdr's own
   * trail is multi-region and its metric filters in the recovery region already see this region's events:
   * then there is nothing here (see `regionalSecurityAlarms`).
   */
  readonly securityAlarms?: SecurityAlarms;
  /** The hourly check of every protected source instance's actual settings (created and adopted). */
  readonly conformance: ConformanceCheck;
  /** The failback's replica is built here: its RDS events go to the runbooks' waits in the recovery region. */
  readonly failbackEvents?: RdsEventForwarding;
  /** Forwards the RDS events of the clusters a point-in-time failover restores in this region. */
  readonly restoredClusterEvents?: RdsEventForwarding;

  constructor(scope: Construct, id: string, props: PrimaryStackProps) {
    super(scope, id, props);
    this.config = props.config;
    const { config } = props;

    const regional = regionalVault(this, config, 'primary');
    this.key = regional.key;
    this.alertsTopic = regional.alertsTopic;
    this.vault = regional.vault;
    this.recoveryVault = backup.BackupVault.fromBackupVaultArn(
      this,
      'RecoveryVault',
      RxdrBackupVault.arnInRegion(this, names.recoveryVault(config), config.recoveryRegion),
    );
    this.backupPlans = new TierBackupPlans(this, 'BackupPlans', {
      environment: config.name,
      tiers: tierBackupSpecs(config),
      primaryRegion: config.primaryRegion,
      vault: this.vault,
      copyDestinations: [this.recoveryVault, ...isolatedVaults(this, config)],
    });
    this.audit = new BackupAudit(this, 'BackupAudit', {
      environmentName: config.name,
      targets: auditTargets(config),
      frameworkName: names.auditFramework(config),
      reportPlanName: names.reportPlan(config),
      evidenceBucketName: names.evidenceBucket(config),
    });
    this.databases = new PrimaryDatabases(this, 'Databases', { config, key: this.key });
    // The selections name the created instances by ARN: create the instances first.
    const instances = Object.values(this.databases.references).map((reference) => reference.instance);
    const clusters = Object.values(this.databases.clusters).map((reference) => reference.cluster);
    for (const selection of Object.values(this.backupPlans.selections))
      selection.node.addDependency(...instances, ...clusters);
    this.securityAlarms = regionalSecurityAlarms(this, config, this.alertsTopic);
    if (gameDayScenarios(config).length > 0)
      new PrimaryGameDays(this, 'GameDays', {
        ...primaryGameDayProps(config),
        alertsTopic: this.alertsTopic,
        instances,
        clusters,
      });
    monitorRegionalVault(this, config, 'primary', regional);
    const failbackInstances = runbookDatabases(config).map(failbackInstanceIdentifier);
    if (failbackInstances.length > 0)
      this.failbackEvents = new RdsEventForwarding(this, 'FailbackEvents', {
        instances: { identifiers: failbackInstances },
        categories: RUNBOOK_RDS_CATEGORIES,
        targetRegion: config.recoveryRegion,
      });
    // A cluster's point-in-time failover restores it here; the cluster and its instance share the identifier.
    const restoredClusters = runbookDatabases(config).flatMap((d) =>
      d.cluster ? [restoredClusterIdentifier(d.cluster)] : [],
    );
    // A cluster failback switches a global database back to a cluster here: the primary cluster, or the new
    // secondary (and its instance, same identifier) a detached secondary's failback builds.
    const failbackClusters = runbookDatabases(config).flatMap((d) =>
      d.cluster?.globalClusterIdentifier ? [d.cluster.primaryClusterIdentifier, failbackInstanceIdentifier(d)] : [],
    );
    if (restoredClusters.length > 0)
      this.restoredClusterEvents = new RdsEventForwarding(this, 'RestoredClusterEvents', {
        instances: { identifiers: restoredClusters },
        categories: RUNBOOK_RDS_CATEGORIES,
        clusters: { identifiers: [...restoredClusters, ...failbackClusters], categories: RUNBOOK_CLUSTER_CATEGORIES },
        targetRegion: config.recoveryRegion,
        about: 'clusters a point-in-time failover restores or a failback switches to here, and restored instances',
      });
    this.conformance = new ConformanceCheck(this, 'Conformance', {
      environment: config.name,
      targets: conformanceTargets(config, config.primaryRegion),
      key: this.key,
      logRetention: config.databaseProtection.logRetentionDays as logs.RetentionDays,
      topic: this.alertsTopic,
    });
  }
}

/** The isolated vault every rule also copies to, if the environment has one. */
function isolatedVaults(scope: Construct, config: EnvironmentConfig): backup.IBackupVault[] {
  const isolated = config.isolatedBackup;
  if (!isolated) return [];
  const arn =
    isolated.mode === 'air-gapped'
      ? RxdrBackupVault.arnInRegion(scope, names.airGappedVault(config), config.recoveryRegion)
      : RxdrBackupVault.arnInRegion(scope, isolated.vaultName ?? '', config.recoveryRegion, isolated.account);
  return [backup.BackupVault.fromBackupVaultArn(scope, 'IsolatedVault', arn)];
}
