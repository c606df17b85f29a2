import { EnvironmentConfig } from '../config/environment-config';
import { TierPreset } from '../config/tiers';
import { SelectedDatabase } from './backup-selection';

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

/** One tier to protect: the rules of its plan and the databases its selection lists. */
export interface TierBackupSpec {
  readonly name: string;
  readonly rules: readonly TierRuleSpec[];
  readonly databases: readonly SelectedDatabase[];
}

/** Every protected tier of an environment, in config order, with its rules and its databases. */
export function tierBackupSpecs(config: EnvironmentConfig): TierBackupSpec[] {
  return protectedTiers(config).map((name) => ({
    name,
    rules: tierRules(config, config.tiers[name] ?? fail(name)),
    databases: config.databases.filter((db) => db.tier === name),
  }));
}
