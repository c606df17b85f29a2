import { EnvironmentConfig } from '../config/environment-config';
import type { AuditTargets } from '../constructs/backup-audit';
import { protectedTiers, retentionBoundsDays } from '../constructs/tier-rules';

/**
 * What an environment's Backup Audit Manager controls check: its daily retention, the shortest retention of its
 * tiers, the strictest RTO of the protected tiers, the recovery region and the isolated account (cross-account).
 */
export function auditTargets(config: EnvironmentConfig): AuditTargets {
  const tiers = protectedTiers(config)
    .map((name) => config.tiers[name])
    .filter((t) => t !== undefined);
  const isolatedAccount = config.isolatedBackup?.mode === 'cross-account' ? config.isolatedBackup.account : undefined;
  return {
    dailyRetentionDays: config.retention.dailyDays,
    minRetentionDays: retentionBoundsDays(config).min,
    maxRestoreMinutes: Math.min(...tiers.map((t) => t.rtoMinutes)),
    crossRegion: config.recoveryRegion,
    crossAccount: isolatedAccount,
  };
}
