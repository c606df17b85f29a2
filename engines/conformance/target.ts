import { z } from 'zod';

/**
 * One protected database instance the conformance check reads, and the rules it is held to. Built from the
 * environment's configuration (`lib/compliance/conformance-targets.ts`) for the scheduled function's event
 * and for `rxdr status` / `rxdr plan --conformance`, so both judge by the same targets.
 */
export const conformanceTargetSchema = z.strictObject({
  /** The database's name in the configuration. */
  database: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be an rxdr database name'),
  /** The source instance (created or adopted) or its warm-standby read replica (for a cluster: global secondary). */
  role: z.enum(['primary', 'replica']),
  /** An Aurora DB cluster (`instanceIdentifier` is then the cluster identifier); absent: an RDS DB instance. */
  resource: z.enum(['instance', 'cluster']).optional(),
  /** How the instance came to be protected: rxdr created it, or it was adopted. */
  mode: z.enum(['create', 'adopt']),
  instanceIdentifier: z.string().regex(/^[a-zA-Z][a-zA-Z0-9-]{0,62}$/, 'must be an RDS DB instance identifier'),
  /** Region the instance lives in. */
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region'),
  tier: z.string().min(1),
  /** Fewest days of automated backups the tier asks for; absent for replicas (RDS keeps none on them). */
  minBackupRetentionDays: z.number().int().min(0).max(35).optional(),
  /** Whether the instance must be Multi-AZ (what rxdr gives the instances it creates in this environment). */
  multiAz: z.boolean(),
  /** Whether IAM database authentication must be on (what rxdr gives the clusters it creates and adopts). */
  iamAuthentication: z.boolean().optional(),
  /** KMS key (alias name or ARN) the storage must be encrypted with; absent: any customer-managed key. */
  expectedKey: z.string().min(1).optional(),
  /** Region where the instance's automated backups must be replicated to; absent: no replication asked. */
  backupReplicationRegion: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region')
    .optional(),
});

export type ConformanceTarget = z.infer<typeof conformanceTargetSchema>;

/** The scheduled function's event: the environment and the instances of the function's region. */
export const conformanceEventSchema = z.strictObject({
  environment: z.string().regex(/^[a-z][a-z0-9]{0,15}$/, 'must be an rxdr environment name'),
  targets: z.array(conformanceTargetSchema).min(1, 'at least one database instance'),
});

export type ConformanceEvent = z.infer<typeof conformanceEventSchema>;

/** A malformed event: the message names the fields; no AWS API was called. */
export class InvalidConformanceEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidConformanceEventError';
  }
}

export function parseConformanceEvent(event: unknown): ConformanceEvent {
  const result = conformanceEventSchema.safeParse(event);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new InvalidConformanceEventError(`invalid conformance event: ${issues.join('; ')}`);
}
