import { Duration } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import { VAULT_LOCK_MAX_RETENTION_DAYS } from '../config/backup-config';

export type VaultLockMode = 'governance' | 'compliance';

export interface VaultLockSettings {
  /** Governance: removable by principals with permission. Compliance: immutable after the cooling-off. */
  readonly mode: VaultLockMode;
  /** Cooling-off before a compliance-mode lock becomes immutable, in days (at least 3 = 72 hours). */
  readonly changeableForDays: number;
  /** Shortest retention any recovery point in the vault may have (the plans' shortest lifecycle). */
  readonly minRetentionDays: number;
  /** Longest retention any recovery point in the vault may have (the plans' longest lifecycle). */
  readonly maxRetentionDays: number;
}

/** AWS Backup requires at least 72 hours before a compliance-mode lock takes effect. */
export const MIN_COOLING_OFF_DAYS = 3;

/**
 * The vault lock configuration for a vault (AWS Config `backup-recovery-point-manual-deletion-disabled`,
 * ransomware resistance). Throws listing every problem, each with the value received.
 */
export function vaultLockConfiguration(settings: VaultLockSettings): backup.LockConfiguration {
  const problems: string[] = [];
  const { mode, changeableForDays, minRetentionDays, maxRetentionDays } = settings;
  if (mode === 'compliance' && changeableForDays < MIN_COOLING_OFF_DAYS) {
    problems.push(
      `a compliance-mode lock needs a 72-hour cooling-off (changeableForDays >= ${MIN_COOLING_OFF_DAYS}), got ${changeableForDays * 24} hours`,
    );
  }
  if (!Number.isInteger(minRetentionDays) || minRetentionDays < 1)
    problems.push(`minRetentionDays must be a whole number >= 1, got ${minRetentionDays}`);
  if (maxRetentionDays > VAULT_LOCK_MAX_RETENTION_DAYS)
    problems.push(`maxRetentionDays must be at most ${VAULT_LOCK_MAX_RETENTION_DAYS}, got ${maxRetentionDays}`);
  if (maxRetentionDays < minRetentionDays)
    problems.push(`maxRetentionDays (${maxRetentionDays}) must not be below minRetentionDays (${minRetentionDays})`);
  if (problems.length > 0) throw new Error(`Invalid vault lock: ${problems.join('; ')}`);
  return {
    minRetention: Duration.days(minRetentionDays),
    maxRetention: Duration.days(maxRetentionDays),
    // Governance mode is a lock without a cooling-off; with one, AWS Backup makes it a compliance-mode lock.
    changeableFor: mode === 'compliance' ? Duration.days(changeableForDays) : undefined,
  };
}
