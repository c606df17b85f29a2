import { Duration, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config/environment-config';
import { TierPreset } from '../config/tiers';
import { TagKeys } from '../tags';
import { DatabaseBackupSelection } from './backup-selection';
import { acknowledgeManagedPolicy } from '../compliance/acknowledgements';

export type RecoveryPointClass = 'continuous' | 'daily' | 'hourly' | 'monthly';

/** One rule of a tier's plan, before it becomes a CDK `BackupPlanRule`. */
export interface TierRuleSpec {
  readonly name: string;
  readonly recoveryPointClass: RecoveryPointClass;
  readonly schedule: string;
  readonly deleteAfterDays: number;
  readonly continuous: boolean;
  readonly moveToColdStorageAfterDays?: number;
}

/** Named rule presets, like `BackupPlanRule.daily()` in aws-backup, with rxdr's schedules (UTC). */
export const TierRule = {
  /** Continuous backup (point-in-time restore, at most 35 days). */
  continuous: (days: number): TierRuleSpec => ({
    name: 'Continuous',
    recoveryPointClass: 'continuous',
    schedule: 'cron(0 5 * * ? *)',
    deleteAfterDays: days,
    continuous: true,
  }),
  hourly: (days: number): TierRuleSpec => ({
    name: 'Hourly',
    recoveryPointClass: 'hourly',
    schedule: 'cron(0 * * * ? *)',
    deleteAfterDays: days,
    continuous: false,
  }),
  daily: (days: number, coldAfterDays?: number): TierRuleSpec => ({
    name: 'Daily',
    recoveryPointClass: 'daily',
    schedule: 'cron(0 5 * * ? *)',
    deleteAfterDays: days,
    continuous: false,
    moveToColdStorageAfterDays: coldAfterDays,
  }),
  monthly: (days: number, coldAfterDays?: number): TierRuleSpec => ({
    name: 'Monthly',
    recoveryPointClass: 'monthly',
    schedule: 'cron(0 5 1 * ? *)',
    deleteAfterDays: days,
    continuous: false,
    moveToColdStorageAfterDays: coldAfterDays,
  }),
};

/**
 * The rules of a tier's plan (docs/domain.md defaults): continuous backup where the tier asks for PITR, daily
 * (or hourly) snapshots, monthly long-term points. Retention comes from the environment's config.
 */
export function tierRules(
  config: Pick<EnvironmentConfig, 'retention' | 'coldStorage'>,
  tier: Pick<TierPreset, 'continuousBackup' | 'snapshotFrequency'>,
): TierRuleSpec[] {
  const rules: TierRuleSpec[] = [];
  if (tier.continuousBackup) rules.push(TierRule.continuous(config.retention.continuousDays));
  rules.push(
    tier.snapshotFrequency === 'hourly'
      ? TierRule.hourly(config.retention.dailyDays)
      : TierRule.daily(config.retention.dailyDays, config.coldStorage?.dailyAfterDays),
  );
  rules.push(TierRule.monthly(config.retention.monthlyDays, config.coldStorage?.monthlyAfterDays));
  return rules;
}

/** Tiers with at least one database, in config order: each gets a plan. */
export function protectedTiers(config: Pick<EnvironmentConfig, 'databases'>): string[] {
  return [...new Set(config.databases.map((db) => db.tier))];
}

/** Shortest and longest recovery-point retention of all plans: the vault lock's min/max retention. */
export function retentionBoundsDays(config: EnvironmentConfig): { min: number; max: number } {
  const days = protectedTiers(config).flatMap((tier) =>
    tierRules(config, config.tiers[tier] ?? fail(tier)).map((rule) => rule.deleteAfterDays),
  );
  return { min: Math.min(...days), max: Math.max(...days) };
}

function fail(tier: string): never {
  throw new Error(`internal: tier "${tier}" is not resolved in the config`);
}

export interface TierBackupPlansProps {
  readonly config: EnvironmentConfig;
  /** The primary-region vault recovery points are created in. */
  readonly vault: backup.IBackupVault;
  /** Vaults every rule copies to with the same lifecycle (the recovery vault, an isolated vault). */
  readonly copyDestinations: readonly backup.IBackupVault[];
}

/**
 * One AWS Backup plan per protected tier, each rule copying to every destination vault, and a selection
 * per plan listing the instance ARNs of the tier's databases in this environment (and nothing else).
 */
export class TierBackupPlans extends Construct {
  /** Plans by tier name (only tiers that protect at least one database). */
  readonly plans: Readonly<Record<string, backup.BackupPlan>>;
  /** Each plan's selection, by tier name. */
  readonly selections: Readonly<Record<string, DatabaseBackupSelection>>;
  /** The role AWS Backup assumes to take the backups. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: TierBackupPlansProps) {
    super(scope, id);
    const { config } = props;
    if (props.copyDestinations.length === 0)
      throw new Error('TierBackupPlans needs at least one copy destination (the recovery vault), got none');

    const backupPolicy = iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForBackup');
    this.role = new iam.Role(this, 'BackupRole', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      }),
      description: `AWS Backup takes rxdr ${config.name} backups`,
      managedPolicies: [backupPolicy],
    });
    acknowledgeManagedPolicy(
      this.role,
      backupPolicy,
      'AWS Backup documents this service-role policy as the permissions its backup role needs; AWS keeps it current per resource type (RDS snapshots, continuous backup, KMS grants via the service). A hand-written copy would silently break backups when AWS Backup adds a required action.',
    );

    const plans: Record<string, backup.BackupPlan> = {};
    const selections: Record<string, DatabaseBackupSelection> = {};
    for (const tierName of protectedTiers(config)) {
      const tier = config.tiers[tierName] ?? fail(tierName);
      const plan = new backup.BackupPlan(this, `Plan-${tierName}`, {
        backupPlanName: `rxdr-${config.name}-${tierName}`,
        backupVault: props.vault,
        backupPlanRules: tierRules(config, tier).map((rule) => this.toCdkRule(rule, tierName, props.copyDestinations)),
      });
      selections[tierName] = new DatabaseBackupSelection(this, `Selection-${tierName}`, {
        plan,
        role: this.role,
        environment: config.name,
        tier: tierName,
        databases: config.databases.filter((db) => db.tier === tierName),
        primaryRegion: config.primaryRegion,
      });
      plans[tierName] = plan;
    }
    this.plans = plans;
    this.selections = selections;
  }

  private toCdkRule(
    rule: TierRuleSpec,
    tierName: string,
    destinations: readonly backup.IBackupVault[],
  ): backup.BackupPlanRule {
    const lifecycle = {
      deleteAfter: Duration.days(rule.deleteAfterDays),
      moveToColdStorageAfter:
        rule.moveToColdStorageAfterDays === undefined ? undefined : Duration.days(rule.moveToColdStorageAfterDays),
    };
    return new backup.BackupPlanRule({
      ruleName: rule.name,
      scheduleExpression: events.Schedule.expression(rule.schedule),
      enableContinuousBackup: rule.continuous || undefined,
      startWindow: Duration.hours(1),
      completionWindow: Duration.hours(rule.recoveryPointClass === 'hourly' ? 2 : 8),
      ...lifecycle,
      copyActions: destinations.map((destinationBackupVault) => ({ destinationBackupVault, ...lifecycle })),
      recoveryPointTags: { [TagKeys.tier]: tierName, 'rxdr:recovery-point-class': rule.recoveryPointClass },
    });
  }
}
