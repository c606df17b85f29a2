import { z } from 'zod';
import { asArray, asRecord } from './raw';

/**
 * Backup-specific parts of the environment schema (isolated account, cold storage, break-glass role) and
 * their cross-field rules. `schema.ts` composes them; `checkBackupConfig` runs inside
 * `checkEnvironmentConsistency`, so its problems are listed together with every other one.
 */

const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const positiveInt = z.number().int().positive();

/** AWS Backup vault lock accepts at most 36,500 days (100 years). */
export const VAULT_LOCK_MAX_RETENTION_DAYS = 36500;
/** A recovery point must stay in cold storage at least 90 days. */
export const COLD_STORAGE_MIN_DAYS = 90;

/**
 * Resource types whose recovery points AWS Backup can move to cold storage (AWS Backup "Feature
 * availability by resource"). RDS is not one of them: every rxdr database is RDS.
 */
export const COLD_STORAGE_RESOURCE_TYPES = [
  'EFS',
  'DynamoDB',
  'Timestream',
  'SAP HANA on EC2',
  'VMware',
  'EBS (archive tier)',
] as const;
/** The AWS Backup resource type of every database rxdr protects. */
export const DATABASE_RESOURCE_TYPE = 'RDS';

/**
 * Copies to a vault outside the workload's blast radius: a vault in another account (by name, in the
 * recovery region), or a logically air-gapped vault AWS Backup manages in this account.
 */
export const isolatedBackupSchema = z
  .strictObject({
    /** @default "cross-account" */
    mode: z.enum(['cross-account', 'air-gapped']).default('cross-account'),
    /** The isolated account (cross-account mode). */
    account: accountId.optional(),
    /** Name of the vault in the isolated account, in the recovery region (cross-account mode). */
    vaultName: z
      .string()
      .regex(/^[a-zA-Z0-9\-_]{2,50}$/, 'must be a backup vault name')
      .optional(),
  })
  .optional();

/** Cold-storage transitions per recovery-point class, in days after creation. */
export const coldStorageSchema = z
  .strictObject({
    dailyAfterDays: positiveInt.optional(),
    monthlyAfterDays: positiveInt.optional(),
  })
  .optional();

/** IAM role name (not a path): the only principal the vault access policies let delete recovery points. */
export const breakGlassRoleNameSchema = z
  .string()
  .regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name (1-64 characters of letters, digits and +=,.@_-)')
  .optional();

type Problem = (path: (string | number)[], message: string) => void;

/** Cross-field rules of the backup settings; reads defensively (other fields may be invalid). */
export function checkBackupConfig(env: Record<string, unknown>, problem: Problem): void {
  const isolated = asRecord(env.isolatedBackup);
  if (env.isolatedBackup !== undefined) {
    const mode = isolated.mode ?? 'cross-account';
    if (mode === 'cross-account') {
      for (const key of ['account', 'vaultName']) {
        if (isolated[key] === undefined)
          problem(
            ['isolatedBackup', key],
            'required in cross-account mode (the vault to copy to, in the recovery region)',
          );
      }
    } else if (mode === 'air-gapped') {
      for (const key of ['account', 'vaultName']) {
        if (isolated[key] !== undefined)
          problem(
            ['isolatedBackup', key],
            `not allowed in air-gapped mode (the logically air-gapped vault is created in this account), got ${JSON.stringify(isolated[key])}`,
          );
      }
    }
  }

  const cold = asRecord(env.coldStorage);
  const retention = asRecord(env.retention);
  const databases = asArray(env.databases).map(asRecord);
  for (const [key, retentionKey] of [
    ['dailyAfterDays', 'dailyDays'],
    ['monthlyAfterDays', 'monthlyDays'],
  ] as const) {
    const after = cold[key];
    if (typeof after !== 'number') continue;
    if (databases.length > 0) {
      const names = databases.map((db) => (typeof db.name === 'string' ? db.name : '?')).join(', ');
      problem(
        ['coldStorage', key],
        `AWS Backup cannot move ${DATABASE_RESOURCE_TYPE} recovery points to cold storage ` +
          `(supported: ${COLD_STORAGE_RESOURCE_TYPES.join(', ')}); protected databases ${names} are ` +
          `${DATABASE_RESOURCE_TYPE}, got ${after} days`,
      );
    }
    const keep = typeof retention[retentionKey] === 'number' ? retention[retentionKey] : undefined;
    if (keep !== undefined && keep < after + COLD_STORAGE_MIN_DAYS) {
      problem(
        ['coldStorage', key],
        `recovery points must stay ${COLD_STORAGE_MIN_DAYS} days in cold storage: retention.${retentionKey} ${keep} must be at least ${after} + ${COLD_STORAGE_MIN_DAYS}`,
      );
    }
  }

  for (const key of ['continuousDays', 'dailyDays', 'monthlyDays']) {
    const days = retention[key];
    if (typeof days === 'number' && days > VAULT_LOCK_MAX_RETENTION_DAYS) {
      problem(['retention', key], `vault lock allows at most ${VAULT_LOCK_MAX_RETENTION_DAYS} days, got ${days}`);
    }
  }
}
