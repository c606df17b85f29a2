import { Duration, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TagKeys } from '../tags';
import { DatabaseBackupSelection } from './backup-selection';
import { TierBackupSpec, TierRuleSpec } from './tier-rules';
import { acknowledgeManagedPolicy } from '../compliance/acknowledgements';
import { thisAccountsService } from './service-principal-scope';

export interface TierBackupPlansProps {
  /** The environment the databases belong to: plans and selections are named `rxdr-<environment>-<tier>`. */
  readonly environment: string;
  /** The tiers to protect, each with its rules (`TierRule`) and its databases; one plan each. */
  readonly tiers: readonly TierBackupSpec[];
  /** The primary-region vault recovery points are created in. */
  readonly vault: backup.IBackupVault;
  /** Vaults every rule copies to with the same lifecycle (the recovery vault, an isolated vault). */
  readonly copyDestinations: readonly backup.IBackupVault[];
  /**
   * Region of the protected instances (their ARNs are built with it).
   * @default - the stack's region
   */
  readonly primaryRegion?: string;
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
    validateProps(props);
    const backupPolicy = iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForBackup');
    this.role = new iam.Role(this, 'BackupRole', {
      assumedBy: thisAccountsService(this, 'backup.amazonaws.com'),
      description: `AWS Backup takes rxdr ${props.environment} backups`,
      managedPolicies: [backupPolicy],
    });
    acknowledgeManagedPolicy(
      this.role,
      backupPolicy,
      'AWS Backup documents this service-role policy as the permissions its backup role needs; AWS keeps it ' +
        'current per resource type (RDS snapshots, continuous backup, KMS grants via the service). A ' +
        'hand-written copy would silently break backups when AWS Backup adds a required action.',
    );

    const plans: Record<string, backup.BackupPlan> = {};
    const selections: Record<string, DatabaseBackupSelection> = {};
    for (const tier of props.tiers) {
      const plan = new backup.BackupPlan(this, `Plan-${tier.name}`, {
        backupPlanName: `rxdr-${props.environment}-${tier.name}`,
        backupVault: props.vault,
        backupPlanRules: tier.rules.map((rule) => this.toCdkRule(rule, tier.name, props.copyDestinations)),
      });
      selections[tier.name] = new DatabaseBackupSelection(this, `Selection-${tier.name}`, {
        plan,
        role: this.role,
        environment: props.environment,
        tier: tier.name,
        databases: tier.databases,
        primaryRegion: props.primaryRegion ?? Stack.of(this).region,
      });
      plans[tier.name] = plan;
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

/** Every problem at once, each naming the value it got. */
function validateProps(props: TierBackupPlansProps): void {
  const problems: string[] = [];
  if (props.copyDestinations.length === 0)
    problems.push('copyDestinations: at least one copy destination (the recovery vault), got none');
  if (props.tiers.length === 0) problems.push('tiers: at least one tier, got none');
  const tierNames = props.tiers.map((tier) => tier.name);
  const duplicates = [...new Set(tierNames.filter((name, i) => tierNames.indexOf(name) !== i))];
  if (duplicates.length > 0) problems.push(`tiers: each tier once, got ${duplicates.join(', ')} more than once`);
  for (const tier of props.tiers) {
    if (tier.rules.length === 0) problems.push(`tiers.${tier.name}.rules: at least one rule, got none`);
    for (const rule of tier.rules) {
      if (!Number.isInteger(rule.deleteAfterDays) || rule.deleteAfterDays < 1)
        problems.push(
          `tiers.${tier.name}.rules.${rule.name}.deleteAfterDays: a whole number of days ≥ 1, got ${rule.deleteAfterDays}`,
        );
    }
  }
  if (problems.length > 0) throw new Error(`TierBackupPlans: ${problems.join('; ')}`);
}
