/** Classes of data rxdr keeps, each with its own retention. */
export const RETENTION_CLASSES = ['continuous', 'daily', 'monthly', 'evidence'] as const;
export type RetentionClass = (typeof RETENTION_CLASSES)[number];

export interface RetentionMinimum {
  readonly days: number;
  readonly source: string;
}

/**
 * Minimum retention per class (docs/domain.md, "Defaults that follow"). A shorter value needs an explicit
 * waiver with a reason in the environment's `retentionWaivers`.
 */
export const RETENTION_MINIMUMS: Readonly<Record<RetentionClass, RetentionMinimum>> = {
  continuous: { days: 35, source: 'AWS Backup/Config default; PITR maximum is 35 days' },
  daily: { days: 35, source: 'AWS Backup/Config default for daily recovery points' },
  monthly: {
    days: 3650,
    source: 'Medicare Part D 42 CFR 423.505 (10 years), covering DEA 21 CFR 1304.04 and state rules',
  },
  evidence: { days: 2190, source: 'HIPAA 45 CFR 164.316(b)(2) (6 years)' },
};

/** AWS Backup continuous backups (point-in-time recovery) keep at most 35 days. */
export const CONTINUOUS_BACKUP_MAX_DAYS = 35;
