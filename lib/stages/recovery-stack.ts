import { Stack, StackProps } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config/environment-config';
import { AirGappedVault } from '../constructs/air-gapped-vault';
import { restoreDrillProps } from '../constructs/drill/drill-fleet';
import { RestoreDrill } from '../constructs/drill/restore-drill';
import { retentionBoundsDays } from '../constructs/tier-rules';
import { EvidenceBucket } from '../constructs/evidence-bucket';
import { Governance } from '../constructs/governance/governance';
import { RecoveryRunbooks } from '../constructs/failover/recovery-runbooks';
import { names } from '../naming';
import { monitorRegionalVault, regionalVault } from './regional-vault';
import { gameDayScenarios } from '../config/gameday';
import { RecoveryGameDays } from '../constructs/gameday/recovery-game-days';
import { recoveryGameDayProps } from './game-day-props';
import { RosterCheck } from '../constructs/gameday/roster-check';
import { readinessRules } from '../../engines/readiness/readiness';

export interface RecoveryStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/** The recovery region: the recovery vault, evidence, drills and failover runbooks. */
export class RecoveryStack extends Stack {
  readonly config: EnvironmentConfig;
  /** The recovery region's customer-managed key (vault, replicas, replicated backups and secrets, evidence, topics, logs). */
  readonly key: kms.Key;
  /** Alerts in the recovery region (encrypted with `key`, e-mails from the config). */
  readonly alertsTopic: sns.Topic;
  /** The recovery vault (deterministic name `names.recoveryVault`): every plan rule copies here. */
  readonly vault: backup.BackupVault;
  /** The logically air-gapped vault, when `isolatedBackup.mode` is "air-gapped". */
  readonly airGappedVault?: AirGappedVault;
  /** WORM evidence store (Object Lock, CMK): drill and failover evidence, audit reports. */
  readonly evidenceBucket: s3.Bucket;
  /** Audit trail, security alarms and the Operator/Approver/Auditor/BreakGlass roles. */
  readonly governance: Governance;
  /** Failover and failback runbooks: validator, state machines (`names.failoverStateMachine`/`failbackStateMachine`), SSM documents. */
  readonly runbooks: RecoveryRunbooks;
  /** Scheduled restore drills (state machine `names.drillStateMachine`, schedules, orphan sweeper, alarms). */
  readonly drill: RestoreDrill;

  constructor(scope: Construct, id: string, props: RecoveryStackProps) {
    super(scope, id, props);
    this.config = props.config;
    const { config } = props;

    const regional = regionalVault(this, config, 'recovery');
    this.key = regional.key;
    this.alertsTopic = regional.alertsTopic;
    this.vault = regional.vault;
    this.evidenceBucket = new EvidenceBucket(this, 'Evidence', {
      bucketName: names.evidenceBucket(config),
      key: this.key,
      lockMode: config.production ? 'compliance' : 'governance',
      retentionDays: config.retention.evidenceDays,
    }).bucket;
    // Audit trail (or the organization-trail choice), security alarms and the four operator roles.
    this.governance = new Governance(this, 'Governance', {
      config,
      key: this.key,
      alertsTopic: this.alertsTopic,
      evidenceBucket: this.evidenceBucket,
    });
    monitorRegionalVault(this, config, 'recovery', regional);
    this.drill = new RestoreDrill(
      this,
      'Drill',
      restoreDrillProps(this, config, {
        key: this.key,
        vault: this.vault,
        evidenceBucket: this.evidenceBucket,
        alertsTopic: this.alertsTopic,
      }),
    );
    this.runbooks = new RecoveryRunbooks(this, 'Runbooks', {
      config,
      key: this.key,
      evidenceBucket: this.evidenceBucket,
      alertsTopic: this.alertsTopic,
      roles: {
        operator: this.governance.roles.operator.roleName,
        approver: this.governance.roles.approver.roleName,
        breakGlass: names.breakGlassRole(config),
      },
    });
    if (gameDayScenarios(config).length > 0)
      new RecoveryGameDays(this, 'GameDays', { ...recoveryGameDayProps(config), alertsTopic: this.alertsTopic });
    if (config.onCall.engineers.length + config.onCall.approvers.length > 0)
      new RosterCheck(this, 'RosterCheck', {
        environment: config.name,
        rules: readinessRules(config),
        evidenceBucket: this.evidenceBucket,
        topic: this.alertsTopic,
        key: this.key,
        logRetention: config.databaseProtection.logRetentionDays as logs.RetentionDays,
      });
    if (config.isolatedBackup?.mode === 'air-gapped') {
      const retention = retentionBoundsDays(config);
      this.airGappedVault = new AirGappedVault(this, 'AirGappedVault', {
        key: this.key,
        breakGlassRoleName: names.breakGlassRole(config),
        notificationTopic: this.alertsTopic,
        vaultName: names.airGappedVault(config),
        minRetentionDays: retention.min,
        maxRetentionDays: retention.max,
      });
    }
  }
}
