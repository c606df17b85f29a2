import type { Stack } from 'aws-cdk-lib';
import type * as backup from 'aws-cdk-lib/aws-backup';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { EnvironmentConfig } from '../config/environment-config';
import { AlertsTopic } from '../constructs/alerts-topic';
import { RxdrBackupVault } from '../constructs/backup-vault';
import { EncryptionKey } from '../constructs/encryption-key';
import { BackupMonitoring } from '../constructs/monitoring/backup-monitoring';
import { retentionBoundsDays } from '../constructs/tier-rules';
import { names } from '../naming';
import { monitoredDatabases } from './monitored-databases';

/** The region a stack serves: the primary's vault is where backups start, the recovery's where they are copied. */
export type RegionRole = 'primary' | 'recovery';

export interface RegionalVault {
  /** The region's customer-managed key. */
  readonly key: kms.Key;
  /** Alerts in the region (encrypted with `key`, e-mails from the config). */
  readonly alertsTopic: sns.Topic;
  /** The region's locked vault (deterministic name `names.primaryVault`/`recoveryVault`). */
  readonly vault: backup.BackupVault;
}

/**
 * What the primary and the recovery stack both start with: the region's key (`Key`), the alerts topic on it
 * (`Alerts`) and the region's vault (`Vault`) locked to the environment's retention bounds, notifying the topic.
 */
export function regionalVault(stack: Stack, config: EnvironmentConfig, role: RegionRole): RegionalVault {
  const key = new EncryptionKey(stack, 'Key', {
    alias: names.keyAlias(config, role),
    description: `rxdr ${config.name} ${role}-region data key`,
  }).key;
  const alertsTopic = new AlertsTopic(stack, 'Alerts', { key, emails: config.notifications.emails }).topic;
  const retention = retentionBoundsDays(config);
  const vault = new RxdrBackupVault(stack, 'Vault', {
    vaultName: regionalVaultName(config, role),
    key,
    lock: { ...config.vaultLock, minRetentionDays: retention.min, maxRetentionDays: retention.max },
    breakGlassRoleName: names.breakGlassRole(config),
    notificationTopic: alertsTopic,
  }).vault;
  return { key, alertsTopic, vault };
}

/** The backup monitoring (`Monitoring`) of the region's vault: the source vault, or the copy in the recovery region. */
export function monitorRegionalVault(
  stack: Stack,
  config: EnvironmentConfig,
  role: RegionRole,
  regional: RegionalVault,
): BackupMonitoring {
  return new BackupMonitoring(stack, 'Monitoring', {
    environmentName: config.name,
    databases: monitoredDatabases(stack, config),
    logRetention: config.databaseProtection.logRetentionDays as logs.RetentionDays,
    hipaaNprm: config.hipaaNprm,
    vault: regional.vault,
    vaultName: regionalVaultName(config, role),
    vaultRole: role === 'primary' ? 'source' : 'copy',
    topic: regional.alertsTopic,
    key: regional.key,
  });
}

function regionalVaultName(config: EnvironmentConfig, role: RegionRole): string {
  return role === 'primary' ? names.primaryVault(config) : names.recoveryVault(config);
}
