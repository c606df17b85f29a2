import { z } from 'zod';
import { instanceClass, resourceName } from './schema-primitives';
import { DEFAULT_BACKUP_WINDOW, DEFAULT_MAINTENANCE_WINDOW } from './database-protection';
import { DEFAULT_TIERS } from './tiers';
import { asArray, asRecord, Problem } from './raw';
import { postgresVersionProblem } from '../../engines/common/engine-support';
import { auditSchema } from './audit-schema';
import { validationSettingsSchema } from './validation-settings';
import { failoverTargetsSchema } from './failover-config';

/** The `engine` value that makes a database entry an Aurora PostgreSQL cluster instead of an RDS instance. */
export const AURORA_POSTGRESQL = 'aurora-postgresql';

/** Aurora PostgreSQL needs a full version (a cluster and its global secondaries must run the same one). */
const clusterEngineVersion = z.string().superRefine((value, ctx) => {
  if (!/^\d+\.\d+$/.test(value)) {
    ctx.addIssue({ code: 'custom', message: 'must be an Aurora PostgreSQL version "major.minor" such as "17.6"' });
    return;
  }
  const problem = postgresVersionProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const clusterIdentifier = z
  .string()
  .regex(/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}$/, 'must be an Aurora DB cluster identifier (letters, digits, "-")');

/** An Aurora PostgreSQL cluster rxdr creates: a writer and readers, on the environment's key. */
export const createdClusterSchema = z.strictObject({
  name: resourceName,
  tier: z.string(),
  mode: z.literal('create'),
  engine: z.literal(AURORA_POSTGRESQL),
  /** Aurora PostgreSQL version, "major.minor". */
  engineVersion: clusterEngineVersion.default('17.6'),
  /** Instance class of the writer and every reader. */
  instanceClass: instanceClass.default('db.r6g.large'),
  /** Readers besides the writer, in other availability zones. */
  readers: z.number().int().min(0).max(15).default(1),
  /** Weekly maintenance window (UTC), `ddd:hh:mm-ddd:hh:mm`, at least 30 minutes, not overlapping the backup window. */
  preferredMaintenanceWindow: z.string().default(DEFAULT_MAINTENANCE_WINDOW),
  /** Daily automated-backup window (UTC), `hh:mm-hh:mm`, at least 30 minutes. */
  preferredBackupWindow: z.string().default(DEFAULT_BACKUP_WINDOW),
  /** Instance class of the global database's secondary cluster (tiers with `crossRegionReadReplica`). @default instanceClass */
  secondaryInstanceClass: instanceClass.optional(),
  /** pgaudit object audit, as for a created instance. */
  audit: auditSchema.prefault({}),
  /**
   * What a failover repoints besides the replicated secret's host, and whether clients connect through the global
   * writer endpoint. @default - the secret only
   */
  failover: failoverTargetsSchema.optional(),
  /** What the manifests describe and which checks drills and failover validation run. @default - everything */
  validation: validationSettingsSchema.optional(),
});

/** An existing Aurora PostgreSQL cluster rxdr protects. */
export const adoptedClusterSchema = z.strictObject({
  name: resourceName,
  tier: z.string(),
  mode: z.literal('adopt'),
  engine: z.literal(AURORA_POSTGRESQL),
  /** The existing cluster's identifier in the environment's primary region. */
  clusterIdentifier,
  /** The Secrets Manager secret (ARN) holding the cluster's credentials, replicated to the recovery region. */
  credentialsSecretArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:secretsmanager:/, 'must be a Secrets Manager secret ARN')
    .optional(),
  /** Aurora PostgreSQL version the cluster runs ("major.minor"). */
  engineVersion: clusterEngineVersion.optional(),
  /**
   * The cluster's Aurora Global Database, when it has one: required for tiers with `crossRegionReadReplica`,
   * whose standby in the recovery region is the global database's secondary cluster.
   */
  globalDatabase: z
    .strictObject({
      globalClusterIdentifier: clusterIdentifier,
      /** The secondary cluster's identifier in the recovery region. */
      secondaryClusterIdentifier: clusterIdentifier,
    })
    .optional(),
  /**
   * What a failover repoints besides the replicated secret's host, and whether clients connect through the global
   * writer endpoint. @default - the secret only
   */
  failover: failoverTargetsSchema.optional(),
  /** What the manifests describe and which checks drills and failover validation run. @default - everything */
  validation: validationSettingsSchema.optional(),
});

export const clusterSchema = z.discriminatedUnion('mode', [createdClusterSchema, adoptedClusterSchema], {
  error: (issue) =>
    issue.code === 'invalid_union'
      ? 'mode must be "create" (a reference cluster) or "adopt" (an existing cluster)'
      : undefined,
});

export type ClusterDatabaseConfig = z.output<typeof clusterSchema>;

/** Cross-field rules of cluster entries; every problem names the database and the value received. */
export function checkClusters(env: Record<string, unknown>, problem: Problem): void {
  const tierOverrides = asRecord(env.tiers);
  asArray(env.databases).forEach((raw, index) => {
    const db = asRecord(raw);
    if (db.engine !== AURORA_POSTGRESQL || typeof db.tier !== 'string') return;
    const tier = { ...DEFAULT_TIERS[db.tier], ...asRecord(tierOverrides[db.tier]) } as Record<string, unknown>;
    if (db.mode === 'adopt' && tier.crossRegionReadReplica === true && db.globalDatabase === undefined) {
      problem(
        ['databases', index, 'globalDatabase'],
        `cluster "${String(db.name)}": tier "${db.tier}" keeps a standby in the recovery region, which for Aurora is a global database's secondary cluster: name the global cluster and its secondary, got none`,
      );
    }
    if (db.mode === 'adopt' && tier.crossRegionReadReplica !== true && db.globalDatabase !== undefined) {
      problem(
        ['databases', index, 'globalDatabase'],
        `cluster "${String(db.name)}": tier "${db.tier}" keeps no standby in the recovery region, so rxdr would not watch this global database; move the cluster to a tier with crossRegionReadReplica or remove globalDatabase, got ${JSON.stringify(db.globalDatabase)}`,
      );
    }
    const drill = asRecord(env.drill);
    const drillSource = asRecord(drill.tierSources)[db.tier] ?? drill.source;
    if (drillSource === 'point-in-time') {
      problem(
        db.tier in asRecord(drill.tierSources) ? ['drill', 'tierSources', db.tier] : ['drill', 'source'],
        `cluster "${String(db.name)}": Aurora replicates no automated backups to the recovery region, so its drills restore the recovery vault's recovery points; set "backup" for tier "${db.tier}" (or move the cluster to another tier), got "point-in-time"`,
      );
    }
    if (db.mode === 'create' && tier.crossRegionReadReplica !== true && db.secondaryInstanceClass !== undefined) {
      problem(
        ['databases', index, 'secondaryInstanceClass'],
        `cluster "${String(db.name)}": tier "${db.tier}" keeps no global database secondary, got "${String(db.secondaryInstanceClass)}"`,
      );
    }
  });
}
