import { z } from 'zod';
import { breakGlassRoleNameSchema, checkBackupConfig, coldStorageSchema, isolatedBackupSchema } from './backup-config';
import { KNOWN_REGIONS, isKnownRegion } from './regions';
import { CONTINUOUS_BACKUP_MAX_DAYS, RETENTION_CLASSES, RETENTION_MINIMUMS, RetentionClass } from './retention';
import { DEFAULT_DRILL_SCHEDULE, DEFAULT_DRILL_TIMEOUT_MINUTES } from './drill-cadence';
import { scheduleExpressionProblem } from './schedule-expression';
import { auditTrailSchema, contingencySchema } from './contingency';
import {
  backupWindowProblem,
  cidrProblem,
  DEFAULT_BACKUP_WINDOW,
  DEFAULT_MAINTENANCE_WINDOW,
  LOG_RETENTION_DAYS,
  maintenanceWindowProblem,
  overlappingCidrs,
  windowsOverlap,
} from './database-protection';
import { DEFAULT_TIERS, deliverableRpoMinutes } from './tiers';
import { checkFailoverConfig, failoverSettingsSchema, failoverTargetsSchema } from './failover-config';
import { instanceClassProblem } from './rds-instance-classes';
import { checkGameDayConfig, gameDaysSchema } from './gameday';
import { onCallSchema, trainingSchema } from './readiness';
import { postgresVersionProblem } from '../../engines/common/engine-support';
import { REFERENCE_PHI_TABLES } from '../../engines/database/audit-setup';

const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const region = z
  .string()
  .refine(isKnownRegion, { message: `must be a known AWS region (${KNOWN_REGIONS.slice(0, 4).join(', ')}, …)` });
const resourceName = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,39}$/,
    'must start with a lowercase letter and use only a-z, 0-9 and "-" (at most 40 characters)',
  );
const positiveInt = z.number().int().positive();
const instanceClass = z.string().superRefine((value, ctx) => {
  const problem = instanceClassProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const engineVersion = z.string().superRefine((value, ctx) => {
  const problem = postgresVersionProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const tierPresetSchema = z.strictObject({
  description: z.string().default(''),
  rtoMinutes: positiveInt,
  rpoMinutes: positiveInt,
  drPattern: z.enum(['warm-standby', 'pilot-light', 'backup-restore']),
  continuousBackup: z.boolean(),
  snapshotFrequency: z.enum(['hourly', 'daily']),
  crossRegionReadReplica: z.boolean(),
  failoverStrategy: z.enum(['promote-replica', 'point-in-time', 'latest-backup']),
});

const auditSchema = z.strictObject({
  database: z
    .string()
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/, 'must be a PostgreSQL database name')
    .default('postgres'),
  tables: z
    .array(
      z
        .string()
        .regex(/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/, 'must be schema.table in lowercase, e.g. "pharmacy.patient"'),
    )
    .default([...REFERENCE_PHI_TABLES]),
});

const createdDatabase = z.strictObject({
  name: resourceName,
  tier: z.string(),
  mode: z.literal('create'),
  /** PostgreSQL major or major.minor version for the reference instance. */
  engineVersion: engineVersion.default('17'),
  instanceClass: instanceClass.default('db.t4g.medium'),
  allocatedStorageGb: z.number().int().min(20).max(65536).default(50),
  /** @default the environment's `production` flag */
  multiAz: z.boolean().optional(),
  /** Weekly maintenance window (UTC), `ddd:hh:mm-ddd:hh:mm`, at least 30 minutes, not overlapping the backup window. */
  preferredMaintenanceWindow: z.string().default(DEFAULT_MAINTENANCE_WINDOW),
  /** Daily automated-backup window (UTC), `hh:mm-hh:mm`, at least 30 minutes. */
  preferredBackupWindow: z.string().default(DEFAULT_BACKUP_WINDOW),
  /** Instance class of the cross-region read replica (tiers with `crossRegionReadReplica`). @default instanceClass */
  replicaInstanceClass: instanceClass.optional(),
  /** What a failover repoints besides the replicated secret's host. @default - the secret only */
  failover: failoverTargetsSchema.optional(),
  /**
   * pgaudit object audit, set up at deploy inside the database network: the database (in the instance) and its
   * tables, `schema.table`, whose every read and write is logged. @default the reference schema's PHI tables in "postgres"
   */
  audit: auditSchema.prefault({}),
});

const adoptedDatabase = z.strictObject({
  name: resourceName,
  tier: z.string(),
  mode: z.literal('adopt'),
  /** The existing RDS instance identifier in the environment's primary region. */
  instanceIdentifier: z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, 'must be an RDS DB instance identifier'),
  /** The Secrets Manager secret (ARN) holding the database credentials, replicated to the recovery region. */
  credentialsSecretArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:secretsmanager:/, 'must be a Secrets Manager secret ARN')
    .optional(),
  /**
   * PostgreSQL major (or major.minor) version the existing instance runs. Required for tiers with
   * `crossRegionReadReplica`: the replica's parameter group (TLS only, pgaudit) must be of the source's family.
   */
  engineVersion: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a PostgreSQL version such as "17" or "17.6"')
    .optional(),
  /** Instance class of the cross-region read replica (tiers with `crossRegionReadReplica`). @default the source instance's class */
  replicaInstanceClass: instanceClass.optional(),
  /** What a failover repoints besides the replicated secret's host. @default - the secret only */
  failover: failoverTargetsSchema.optional(),
});

export const databaseSchema = z.discriminatedUnion('mode', [createdDatabase, adoptedDatabase], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? 'mode must be "create" (a reference instance) or "adopt" (an existing instance)'
      : undefined,
});

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
    drill: z
      .strictObject({
        /** EventBridge Scheduler expression. @default monthly, 06:00 UTC on the 1st */
        schedule: z.string().default(DEFAULT_DRILL_SCHEDULE),
        timezone: z.string().default('UTC'),
        /** Databases restored at the same time (RDS and AWS Backup quotas). */
        maxConcurrency: positiveInt.max(40, 'at most 40 (Step Functions inline Map)').default(5),
        instanceClass: instanceClass.default('db.t4g.medium'),
        timeoutMinutes: positiveInt.default(DEFAULT_DRILL_TIMEOUT_MINUTES),
        /** One restore's wait for "available"; shorter than `timeoutMinutes` so cleanup runs inside the execution. */
        restoreTimeoutMinutes: positiveInt.default(180),
        /** Per-tier schedules (tier name → expression); tiers not named here follow `schedule`. */
        tierSchedules: z.record(z.string(), z.string()).default({}),
        /** What "latest" restores: the newest recovery point in the recovery vault (`backup`) or the replicated automated backups (`point-in-time`). */
        source: z.enum(['backup', 'point-in-time']).default('backup'),
        /** Per-tier overrides of `source`. */
        tierSources: z.record(z.string(), z.enum(['backup', 'point-in-time'])).default({}),
        /** CIDR of the isolated drill VPC (recovery region); must not overlap the database VPCs. */
        vpcCidr: z.string().default('10.82.0.0/22'),
        /** Days without a drill run before the missed-schedule alarm fires. */
        maxDaysBetweenDrills: positiveInt
          .max(400, 'at most 400 days (H3 asks for restores tested on a schedule)')
          .default(35),
        /** The scheduled manifest job : when it runs and how long one statement may take. */
        manifestSchedule: z.string().default('cron(30 3 * * ? *)'),
        manifestStatementTimeoutSeconds: positiveInt.max(900, 'at most 900 s (the Lambda timeout)').default(600),
      })
      .prefault({}),
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
export type DatabaseConfig = z.output<typeof databaseSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/**
 * Rules across fields. Runs even when other fields are invalid (`when`), so one run lists every problem;
 * hence the defensive reads.
 */
function checkEnvironmentConsistency(raw: unknown, ctx: z.RefinementCtx): void {
  const env = asRecord(raw);
  const problem = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });

  if (typeof env.primaryRegion === 'string' && env.primaryRegion === env.recoveryRegion) {
    problem(['recoveryRegion'], `must differ from primaryRegion "${env.primaryRegion}"`);
  }
  const isolated = asRecord(env.isolatedBackup);
  if (typeof isolated.account === 'string' && isolated.account === env.account) {
    problem(['isolatedBackup', 'account'], 'must be a different account from the workload account');
  }

  const tierOverrides = asRecord(env.tiers);
  const tierNames = new Set([...Object.keys(DEFAULT_TIERS), ...Object.keys(tierOverrides)]);
  for (const [name, override] of Object.entries(tierOverrides)) {
    const tier = { ...DEFAULT_TIERS[name], ...asRecord(override) } as Record<string, unknown>;
    const missing = [
      'rtoMinutes',
      'rpoMinutes',
      'drPattern',
      'continuousBackup',
      'snapshotFrequency',
      'crossRegionReadReplica',
      'failoverStrategy',
    ].filter((key) => tier[key] === undefined);
    if (missing.length > 0) {
      problem(['tiers', name], `a new tier must set ${missing.join(', ')}`);
      continue;
    }
    const rpo = tier.rpoMinutes;
    if (
      typeof rpo === 'number' &&
      typeof tier.continuousBackup === 'boolean' &&
      typeof tier.crossRegionReadReplica === 'boolean' &&
      (tier.snapshotFrequency === 'hourly' || tier.snapshotFrequency === 'daily')
    ) {
      const best = deliverableRpoMinutes({
        continuousBackup: tier.continuousBackup,
        crossRegionReadReplica: tier.crossRegionReadReplica,
        snapshotFrequency: tier.snapshotFrequency,
      });
      if (rpo < best) {
        problem(
          ['tiers', name, 'rpoMinutes'],
          `an RPO of ${rpo} min cannot be met: ${describeProtection(tier)} deliver at best ${best} min; enable continuous backup or a read replica, or raise the RPO`,
        );
      }
    }
    if (tier.failoverStrategy === 'promote-replica' && tier.crossRegionReadReplica === false) {
      problem(['tiers', name, 'failoverStrategy'], 'promote-replica needs crossRegionReadReplica: true');
    }
    if (tier.failoverStrategy === 'point-in-time' && tier.continuousBackup === false) {
      problem(
        ['tiers', name, 'failoverStrategy'],
        'point-in-time needs continuousBackup: true (replicated automated backups)',
      );
    }
  }

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

  checkBackupConfig(env, problem);

  const schedule = asRecord(env.drill).schedule;
  if (typeof schedule === 'string') {
    const scheduleProblem = scheduleExpressionProblem(schedule);
    if (scheduleProblem) problem(['drill', 'schedule'], `invalid schedule expression: ${scheduleProblem}`);
  }
  checkDrill(env, tierNames, problem);
  checkFailoverConfig(env, problem);
  checkGameDayConfig(env, problem);
}

/** Drill schedules per tier, sources, the drill network and the timeouts (restore drills). */
function checkDrill(
  env: Record<string, unknown>,
  tierNames: Set<string>,
  problem: (path: (string | number)[], message: string) => void,
): void {
  const drill = asRecord(env.drill);
  const known = [...tierNames].join(', ');
  for (const [tier, expression] of Object.entries(asRecord(drill.tierSchedules))) {
    if (!tierNames.has(tier)) problem(['drill', 'tierSchedules', tier], `unknown tier; known tiers: ${known}`);
    const issue = typeof expression === 'string' ? scheduleExpressionProblem(expression) : undefined;
    if (issue)
      problem(['drill', 'tierSchedules', tier], `invalid schedule expression: ${issue}, got "${String(expression)}"`);
  }
  for (const tier of Object.keys(asRecord(drill.tierSources))) {
    if (!tierNames.has(tier)) problem(['drill', 'tierSources', tier], `unknown tier; known tiers: ${known}`);
  }
  if (typeof drill.manifestSchedule === 'string') {
    const issue = scheduleExpressionProblem(drill.manifestSchedule);
    if (issue)
      problem(['drill', 'manifestSchedule'], `invalid schedule expression: ${issue}, got "${drill.manifestSchedule}"`);
  }
  const restore = drill.restoreTimeoutMinutes ?? 180;
  const timeout = drill.timeoutMinutes ?? 360;
  if (typeof restore === 'number' && typeof timeout === 'number' && restore >= timeout) {
    problem(
      ['drill', 'restoreTimeoutMinutes'],
      `must be shorter than timeoutMinutes (${timeout}) so cleanup runs inside the execution, got ${restore}`,
    );
  }
  if (typeof drill.vpcCidr === 'string') {
    const issue = cidrProblem(drill.vpcCidr);
    if (issue) problem(['drill', 'vpcCidr'], `${issue}, got "${drill.vpcCidr}"`);
    const protection = asRecord(env.databaseProtection);
    for (const key of ['primaryVpcCidr', 'recoveryVpcCidr']) {
      const other = protection[key] ?? (key === 'primaryVpcCidr' ? '10.80.0.0/16' : '10.81.0.0/16');
      if (!issue && typeof other === 'string' && !cidrProblem(other) && overlappingCidrs(drill.vpcCidr, other)) {
        problem(['drill', 'vpcCidr'], `must not overlap databaseProtection.${key} "${other}", got "${drill.vpcCidr}"`);
      }
    }
  }
}

/** Networks, log retention and per-database windows (RDS protection). */
function checkDatabaseProtection(
  env: Record<string, unknown>,
  problem: (path: (string | number)[], message: string) => void,
): void {
  const protection = asRecord(env.databaseProtection);
  const cidrs: { key: string; value: string }[] = [];
  for (const key of ['primaryVpcCidr', 'recoveryVpcCidr']) {
    const value = protection[key];
    if (typeof value !== 'string') continue;
    const cidrIssue = cidrProblem(value);
    if (cidrIssue) problem(['databaseProtection', key], `${cidrIssue}, got "${value}"`);
    else cidrs.push({ key, value });
  }
  const [first, second] = cidrs;
  if (first && second && overlappingCidrs(first.value, second.value)) {
    problem(
      ['databaseProtection', 'recoveryVpcCidr'],
      `must not overlap primaryVpcCidr "${first.value}", got "${second.value}"`,
    );
  }
  const retention = protection.logRetentionDays;
  if (typeof retention === 'number' && !(LOG_RETENTION_DAYS as readonly number[]).includes(retention)) {
    problem(
      ['databaseProtection', 'logRetentionDays'],
      `must be a CloudWatch Logs retention (${LOG_RETENTION_DAYS.join(', ')}), got ${retention}`,
    );
  }

  const tierOverrides = asRecord(env.tiers);
  asArray(env.databases).forEach((raw, index) => {
    const db = asRecord(raw);
    const tier = typeof db.tier === 'string' ? { ...DEFAULT_TIERS[db.tier], ...asRecord(tierOverrides[db.tier]) } : {};
    if (
      db.mode === 'adopt' &&
      (tier as Record<string, unknown>).crossRegionReadReplica === true &&
      db.replicaInstanceClass === undefined
    ) {
      problem(
        ['databases', index, 'replicaInstanceClass'],
        `tier "${String(db.tier)}" keeps a cross-region read replica: name its instance class (usually the adopted instance's), got none`,
      );
    }
    if (
      db.mode === 'adopt' &&
      (tier as Record<string, unknown>).crossRegionReadReplica === true &&
      db.engineVersion === undefined
    ) {
      problem(
        ['databases', index, 'engineVersion'],
        `database "${String(db.name)}": tier "${String(db.tier)}" keeps a cross-region read replica, which becomes production on promotion and gets a parameter group (rds.force_ssl=1, pgaudit) of the source's family: name the adopted instance's PostgreSQL major version (e.g. "16"), got none`,
      );
    }
    if (db.mode !== 'create') return;
    const maintenance = typeof db.preferredMaintenanceWindow === 'string' ? db.preferredMaintenanceWindow : undefined;
    const backup = typeof db.preferredBackupWindow === 'string' ? db.preferredBackupWindow : undefined;
    const maintenanceIssue = maintenance === undefined ? undefined : maintenanceWindowProblem(maintenance);
    const backupIssue = backup === undefined ? undefined : backupWindowProblem(backup);
    if (maintenanceIssue)
      problem(['databases', index, 'preferredMaintenanceWindow'], `${maintenanceIssue}, got "${maintenance}"`);
    if (backupIssue) problem(['databases', index, 'preferredBackupWindow'], `${backupIssue}, got "${backup}"`);
    const maintenanceWindow = maintenance ?? DEFAULT_MAINTENANCE_WINDOW;
    const backupWindow = backup ?? DEFAULT_BACKUP_WINDOW;
    if (!maintenanceIssue && !backupIssue && windowsOverlap(maintenanceWindow, backupWindow)) {
      problem(
        ['databases', index, 'preferredMaintenanceWindow'],
        `must not overlap the backup window "${backupWindow}", got "${maintenanceWindow}"`,
      );
    }
  });
}

function describeProtection(tier: Record<string, unknown>): string {
  const parts = [`${tier.snapshotFrequency} snapshots`];
  if (tier.continuousBackup) parts.push('continuous backup');
  return parts.join(' and ');
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
