import { z } from 'zod';
import { breakGlassRoleNameSchema, checkBackupConfig, coldStorageSchema, isolatedBackupSchema } from './backup-config';
import { CONTINUOUS_BACKUP_MAX_DAYS, RETENTION_CLASSES, RETENTION_MINIMUMS, RetentionClass } from './retention';
import { scheduleExpressionProblem } from './schedule-expression';
import { auditTrailSchema, contingencySchema } from './contingency';
import { checkFailoverConfig, failoverSettingsSchema } from './failover-config';
import { checkGameDayConfig, gameDaysSchema } from './gameday';
import { onCallSchema, trainingSchema } from './readiness';
import { accountId, positiveInt, region } from './schema-primitives';
import { checkTiers, tierPresetSchema } from './tier-schema';
import { checkDatabaseProtection, databaseSchema, DatabaseConfig } from './database-schema';
import { checkClusters } from './cluster-schema';
import { checkGlobalWriterEndpoint } from './global-writer-endpoint';
import { checkDrill, drillSettingsSchema } from './drill-settings';
import { asArray, asRecord, Problem } from './raw';

export { databaseSchema, tierPresetSchema };
export type { DatabaseConfig };

const retentionWaiver = z.strictObject({
  recoveryPointClass: z.enum(RETENTION_CLASSES),
  /** The lowest retention this waiver allows, in days. */
  minimumDays: positiveInt,
  /** Why the shorter retention is acceptable (who decided, on what grounds). */
  reason: z.string().min(20, 'a waiver needs a reason of at least 20 characters'),
});

export const environmentSchema = z
  .strictObject({
    account: accountId,
    primaryRegion: region,
    recoveryRegion: region,
    /** Production environments get Multi-AZ reference instances and compliance-mode locks by default. */
    production: z.boolean().default(false),
    /** Data classification tag applied to every resource. */
    dataClassification: z.enum(['phi', 'confidential', 'internal']).default('phi'),
    /** Copies to an account outside the workload's blast radius. */
    isolatedBackup: isolatedBackupSchema,
    /** Cold-storage transitions (rejected for resource types AWS Backup cannot tier, such as RDS). */
    coldStorage: coldStorageSchema,
    /** The role allowed to delete recovery points and change vault policies. @default rxdr-<env>-break-glass */
    breakGlassRoleName: breakGlassRoleNameSchema,
    /** Tier presets, merged over the defaults (critical, important, deferrable) key by key. */
    tiers: z
      .record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'tier names use a-z, 0-9 and "-"'), tierPresetSchema.partial())
      .default({}),
    databases: z.array(databaseSchema).min(1, 'at least one protected database is required'),
    retention: z
      .strictObject({
        continuousDays: positiveInt
          .max(
            CONTINUOUS_BACKUP_MAX_DAYS,
            `AWS Backup keeps continuous backups at most ${CONTINUOUS_BACKUP_MAX_DAYS} days`,
          )
          .default(35),
        dailyDays: positiveInt.default(35),
        monthlyDays: positiveInt.default(3650),
        evidenceDays: positiveInt.default(2190),
      })
      .prefault({}),
    retentionWaivers: z.array(retentionWaiver).default([]),
    vaultLock: z
      .strictObject({
        /** @default "compliance" in production, otherwise "governance" */
        mode: z.enum(['governance', 'compliance']).optional(),
        /** Days before a compliance-mode lock becomes immutable (the cooling-off). */
        changeableForDays: positiveInt.default(3),
      })
      .prefault({}),
    drill: drillSettingsSchema,
    notifications: z.strictObject({
      emails: z.array(z.email('must be an email address')).min(1, 'at least one address is required'),
    }),
    /** Networks and logs of the protected databases (reference instances, read replicas). */
    databaseProtection: z
      .strictObject({
        /** CIDR of the primary-region database VPC (private, /16 to /24). */
        primaryVpcCidr: z.string().default('10.80.0.0/16'),
        /** CIDR of the recovery-region database VPC; must not overlap the primary's (peering, failback). */
        recoveryVpcCidr: z.string().default('10.81.0.0/16'),
        /** Retention of database logs, VPC flow logs and the replication function's logs, in days (a CloudWatch Logs value). */
        logRetentionDays: z.number().int().default(365),
      })
      .prefault({}),
    /** People and communication for the contingency plan (escalation, stakeholders, messages, emergency mode); `rxdr plan` needs them all. */
    contingency: contingencySchema.prefault({}),
    /** The audit trail rxdr creates, or the organization trail it relies on. */
    auditTrail: auditTrailSchema.prefault({}),
    /** Failover/failback runbooks: the approval timeout. */
    failover: failoverSettingsSchema.prefault({}),
    /** HIPAA Security Rule NPRM (Jan 2025, proposed): 48-hour backup age alarm, 72-hour restore evidence. */
    hipaaNprm: z.boolean().default(false),
    /** Game days: FIS fault scenarios for rehearsing the failover runbook (see lib/config/gameday.ts). */
    gameDays: gameDaysSchema,
    /** On-call roster and the game-day readiness rule; security-awareness training per role. */
    onCall: onCallSchema,
    training: trainingSchema,
  })
  .superRefine(checkEnvironmentConsistency, { when: () => true });

export const configSchema = z.strictObject({
  environments: z.record(
    z.string().regex(/^[a-z][a-z0-9]{0,15}$/, 'environment names use a-z and 0-9 (at most 16 characters), e.g. "prod"'),
    environmentSchema,
  ),
});

export type EnvironmentInput = z.input<typeof environmentSchema>;
export type ParsedEnvironment = z.output<typeof environmentSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/**
 * Rules across fields. Runs even when other fields are invalid (`when`), so one run lists every problem;
 * hence the defensive reads.
 */
function checkEnvironmentConsistency(raw: unknown, ctx: z.RefinementCtx): void {
  const env = asRecord(raw);
  const problem: Problem = (path, message) => ctx.addIssue({ code: 'custom', path, message });

  if (typeof env.primaryRegion === 'string' && env.primaryRegion === env.recoveryRegion) {
    problem(['recoveryRegion'], `must differ from primaryRegion "${env.primaryRegion}"`);
  }
  const isolated = asRecord(env.isolatedBackup);
  if (typeof isolated.account === 'string' && isolated.account === env.account) {
    problem(['isolatedBackup', 'account'], 'must be a different account from the workload account');
  }

  const tierNames = checkTiers(env, problem);

  const seen = new Map<string, number>();
  asArray(env.databases).forEach((db, index) => {
    const { name, tier } = asRecord(db);
    if (typeof name === 'string') {
      const first = seen.get(name);
      if (first !== undefined)
        problem(['databases', index, 'name'], `duplicate database name (also databases[${first}])`);
      else seen.set(name, index);
    }
    if (typeof tier === 'string' && !tierNames.has(tier)) {
      problem(['databases', index, 'tier'], `unknown tier; known tiers: ${[...tierNames].join(', ')}`);
    }
  });

  const retention = asRecord(env.retention);
  const waivers = asArray(env.retentionWaivers).map(asRecord);
  for (const recoveryPointClass of RETENTION_CLASSES) {
    const key = `${recoveryPointClass}Days`;
    const days = retention[key];
    if (typeof days !== 'number') continue;
    const minimum = RETENTION_MINIMUMS[recoveryPointClass as RetentionClass];
    const waiver = waivers.find((w) => w.recoveryPointClass === recoveryPointClass && typeof w.reason === 'string');
    const allowed = typeof waiver?.minimumDays === 'number' ? waiver.minimumDays : minimum.days;
    if (days < allowed) {
      problem(
        ['retention', key],
        waiver
          ? `${days} days is below the waiver's minimumDays ${allowed}`
          : `${days} days is below the ${minimum.days}-day minimum (${minimum.source}); raise it or add a retentionWaivers entry with a reason`,
      );
    }
  }

  const lock = asRecord(env.vaultLock);
  const lockMode = lock.mode ?? (env.production === true ? 'compliance' : 'governance');
  if (env.production === true && lock.mode === 'governance') {
    problem(
      ['vaultLock', 'mode'],
      'a production environment needs a compliance-mode vault lock: a governance-mode lock can be removed by anyone with the right IAM permissions, so backups would not be immutable',
    );
  }
  if (lockMode === 'compliance' && typeof lock.changeableForDays === 'number' && lock.changeableForDays < 3) {
    problem(
      ['vaultLock', 'changeableForDays'],
      `compliance mode needs a cooling-off of at least 72 hours (3 days); ${lock.changeableForDays} days is ${lock.changeableForDays * 24} hours`,
    );
  }

  checkDatabaseProtection(env, problem);
  checkClusters(env, problem);

  checkBackupConfig(env, problem);

  const schedule = asRecord(env.drill).schedule;
  if (typeof schedule === 'string') {
    const scheduleProblem = scheduleExpressionProblem(schedule);
    if (scheduleProblem) problem(['drill', 'schedule'], `invalid schedule expression: ${scheduleProblem}`);
  }
  checkDrill(env, tierNames, problem);
  checkFailoverConfig(env, problem);
  checkGlobalWriterEndpoint(env, problem);
  checkGameDayConfig(env, problem);
}
