import { z } from 'zod';
import { engineVersion, instanceClass, resourceName } from './schema-primitives';
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
import { DEFAULT_TIERS } from './tiers';
import { failoverTargetsSchema } from './failover-config';
import { asArray, asRecord, Problem } from './raw';
import { auditSchema } from './audit-schema';
import { AURORA_POSTGRESQL, clusterSchema } from './cluster-schema';
import { validationSettingsSchema } from './validation-settings';

const createdDatabase = z.strictObject({
  name: resourceName,
  tier: z.string(),
  mode: z.literal('create'),
  engine: z.literal('postgres').optional(),
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
  /** What the manifests describe and which checks drills and failover validation run. @default - everything */
  validation: validationSettingsSchema.optional(),
});

const adoptedDatabase = z.strictObject({
  name: resourceName,
  tier: z.string(),
  mode: z.literal('adopt'),
  engine: z.literal('postgres').optional(),
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
  /** What the manifests describe and which checks drills and failover validation run. @default - everything */
  validation: validationSettingsSchema.optional(),
  /**
   * A database without a cross-region read replica: the network in the recovery region where its scheduled
   * manifest job runs (subnets that reach the database and the region's Secrets Manager and S3, and security
   * groups the database admits). @default - no scheduled manifest: `rxdr manifest --upload` writes one
   */
  manifestNetwork: z
    .strictObject({
      subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id (subnet-…)')).min(1),
      securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id (sg-…)')).min(1),
    })
    .optional(),
});

const instanceSchema = z.discriminatedUnion('mode', [createdDatabase, adoptedDatabase], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? 'mode must be "create" (a reference instance) or "adopt" (an existing instance)'
      : undefined,
});

/** An RDS for PostgreSQL instance (no `engine`, or "postgres") or an Aurora PostgreSQL cluster. */
export const databaseSchema = z.discriminatedUnion('engine', [instanceSchema, clusterSchema], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? `engine must be "postgres" (an RDS instance, the default) or "${AURORA_POSTGRESQL}" (an Aurora cluster)`
      : undefined,
});

export type DatabaseConfig = z.output<typeof databaseSchema>;
/** A protected RDS for PostgreSQL instance (created or adopted). */
export type InstanceDatabaseConfig = z.output<typeof instanceSchema>;

/** Networks, log retention and per-database windows (RDS protection). */
export function checkDatabaseProtection(env: Record<string, unknown>, problem: Problem): void {
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
    const adoptedInstance = db.mode === 'adopt' && db.engine !== AURORA_POSTGRESQL;
    if (
      adoptedInstance &&
      (tier as Record<string, unknown>).crossRegionReadReplica === true &&
      db.replicaInstanceClass === undefined
    ) {
      problem(
        ['databases', index, 'replicaInstanceClass'],
        `tier "${String(db.tier)}" keeps a cross-region read replica: name its instance class (usually the adopted instance's), got none`,
      );
    }
    if (
      adoptedInstance &&
      (tier as Record<string, unknown>).crossRegionReadReplica === true &&
      db.engineVersion === undefined
    ) {
      problem(
        ['databases', index, 'engineVersion'],
        `database "${String(db.name)}": tier "${String(db.tier)}" keeps a cross-region read replica, which ` +
          `becomes production on promotion and gets a parameter group (rds.force_ssl=1, pgaudit) of the ` +
          `source's family: name the adopted instance's PostgreSQL major version (e.g. "16"), got none`,
      );
    }
    if (adoptedInstance && (tier as Record<string, unknown>).crossRegionReadReplica === true && db.manifestNetwork) {
      problem(
        ['databases', index, 'manifestNetwork'],
        `database "${String(db.name)}": tier "${String(db.tier)}" keeps a cross-region read replica, whose manifest ` +
          'job already reads the replica: remove manifestNetwork (it is for databases without a replica)',
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
