import { z } from 'zod';
import { DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_PARALLELISM } from '../validation/chunks/plan';
import { STRATEGIES } from './strategies';

/**
 * What the failover and failback functions know about the environment, handed to them by the construct as
 * the `RUNBOOK_CATALOG` environment variable (JSON) and checked at cold start. Nothing here is read from the
 * execution input: an operator chooses a database by name, the catalog says which resources that means.
 */
export const Strategy = z.enum(STRATEGIES);
export type Strategy = z.infer<typeof Strategy>;

export const RepointTargets = z.strictObject({
  /** A CNAME in a private hosted zone that clients resolve. */
  route53: z
    .strictObject({ hostedZoneId: z.string().min(1), recordName: z.string().min(1), ttl: z.number().int().positive() })
    .optional(),
  /** An SSM parameter (String) holding the endpoint host name. */
  parameterName: z.string().min(1).optional(),
  /** The replicated Secrets Manager secret whose `host` field moves with the primary. */
  secretArn: z.string().min(1),
});
export type RepointTargets = z.infer<typeof RepointTargets>;

/** An Aurora PostgreSQL cluster: what its runbook switches, fails over or restores (`cluster/`). */
export const CatalogCluster = z.strictObject({
  /** The primary cluster in the primary region. */
  primaryClusterIdentifier: z.string().min(1),
  /** Its Aurora Global Database (tier 1), whose secondary in the recovery region takes over. */
  globalClusterIdentifier: z.string().min(1).optional(),
  secondaryClusterIdentifier: z.string().min(1).optional(),
  /** Where a restore from the recovery vault lands (deterministic: a resumed run finds it); its instance adds "-1". */
  recoveredClusterIdentifier: z.string().min(1),
  /**
   * Clients connect through the global database's writer endpoint (`DescribeGlobalClusters` `Endpoint`), which AWS
   * moves to the new writer: a global switchover or failover changes no pointer and verifies that it followed.
   */
  clientsUseGlobalWriterEndpoint: z.boolean().default(false),
});
export type CatalogCluster = z.infer<typeof CatalogCluster>;

export const CatalogDatabase = z.strictObject({
  name: z.string().min(1),
  /** 1, 2 or 3 (evidence). */
  tier: z.number().int().min(1).max(3),
  rtoSeconds: z.number().nonnegative(),
  rpoSeconds: z.number().nonnegative(),
  defaultStrategy: Strategy,
  /** The primary instance in the primary region. */
  primaryInstanceIdentifier: z.string().min(1),
  /** Tier 1: the cross-region read replica in the recovery region. */
  replicaInstanceIdentifier: z.string().min(1).optional(),
  /** Where a point-in-time or backup restore lands in the recovery region (deterministic: a resumed run finds it). */
  recoveredInstanceIdentifier: z.string().min(1),
  /** Where a failback's new replica lands in the primary region. */
  failbackInstanceIdentifier: z.string().min(1),
  instanceClass: z.string().min(1).optional(),
  subnetGroupName: z.string().min(1).optional(),
  securityGroupIds: z.array(z.string().min(1)).default([]),
  /** Primary-region subnet group and security groups for the failback replica. */
  primarySubnetGroupName: z.string().min(1).optional(),
  primarySecurityGroupIds: z.array(z.string().min(1)).default([]),
  port: z.number().int().positive().default(5432),
  repoint: RepointTargets,
  /** Set for an Aurora cluster (the instance identifiers then name the cluster and are not used as instances). */
  cluster: CatalogCluster.optional(),
  /** How the failover validates this database in chunks (the database's `validation` settings). */
  chunking: z
    .strictObject({
      /** Chunk invocations at once (1-40, an inline Map). */
      parallelism: z.number().int().min(1).max(40).default(DEFAULT_CHUNK_PARALLELISM),
      /** Bytes per chunk (`pg_total_relation_size`). */
      chunkBytes: z.number().positive().default(DEFAULT_CHUNK_BYTES),
      /** Most chunks of one plan (the execution's history limit); a bigger database gets bigger chunks. */
      maxChunks: z.number().int().positive().default(2000),
    })
    .prefault({}),
});
export type CatalogDatabase = z.infer<typeof CatalogDatabase>;

export const Catalog = z.strictObject({
  environment: z.string().min(1),
  account: z.string().min(1),
  primaryRegion: z.string().min(1),
  recoveryRegion: z.string().min(1),
  /** Recovery-region CMK: restored instances, approval tokens. */
  recoveryKeyArn: z.string().min(1),
  /** Primary-region CMK: the failback replica. */
  primaryKeyArn: z.string().min(1),
  recoveryVaultName: z.string().min(1),
  /** The logically air-gapped vault (this account, recovery region) a latest-backup failover restores from while
   * the recovery vault is declared lost. */
  isolatedVaultName: z.string().min(1).optional(),
  /** SSM parameter whose existence declares the recovery vault lost (a game day or a person in an incident). */
  vaultLostParameterName: z.string().startsWith('/').optional(),
  /** Role AWS Backup assumes to restore a recovery point. */
  backupRestoreRoleArn: z.string().min(1),
  evidenceBucket: z.string().min(1),
  topicArn: z.string().min(1),
  /** SSM parameter path under which approval tokens wait (`<prefix>/<execution name>`). */
  approvalParameterPrefix: z.string().startsWith('/'),
  /** Try a TCP connection through the repointed name (the function runs in the database network). */
  probeConnectivity: z.boolean().default(false),
  /** SSM parameter that applications honour as a write freeze during a failback switchover. */
  writeFreezeParameterPrefix: z.string().startsWith('/'),
  toolVersion: z.string().min(1),
  /**
   * SSM parameter (recovery region) the standby stack writes: `{ "subnetGroupName", "securityGroupIds" }` of the
   * recovery database network, where point-in-time and backup restores must land. The standby stack deploys
   * after the runbooks, so they read it at run time. When set, preflight blocks a restore without it.
   */
  recoveryNetworkParameterName: z.string().min(1).optional(),
  databases: z.array(CatalogDatabase).min(1),
});
export type Catalog = z.infer<typeof Catalog>;
export type CatalogInput = z.input<typeof Catalog>;

export function parseCatalog(text: string | undefined): Catalog {
  if (!text) throw new Error('RUNBOOK_CATALOG is not set');
  const parsed = Catalog.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(
      `RUNBOOK_CATALOG is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

export function databaseOf(catalog: Catalog, name: string): CatalogDatabase {
  const db = catalog.databases.find((d) => d.name === name);
  if (!db)
    throw new StepError(
      'Rxdr.UnknownDatabase',
      `unknown database "${name}"; this environment protects: ${catalog.databases.map((d) => d.name).join(', ')}`,
    );
  return db;
}

/** A step failure Step Functions matches by name. */
export class StepError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Step Functions error names the runbooks raise and catch. */
export const Errors = {
  throttled: 'Rxdr.Throttled',
  invalidInput: 'Rxdr.InvalidInput',
  stepFailed: 'Rxdr.StepFailed',
  aborted: 'Rxdr.Aborted',
  selfApproval: 'Rxdr.SelfApproval',
} as const;
