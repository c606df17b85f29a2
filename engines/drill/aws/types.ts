import { z } from 'zod';

/**
 * The JSON that travels through the AWS drill state machine, checked with zod at every Lambda boundary:
 * a malformed event is rejected before any AWS call (`Rxdr.InvalidEvent`, not retried).
 *
 * Execution input (`StartExecution`, the schedule, `rxdr drill start`):
 * `{ "databases": "all" | ["dispensing"], "tiers"?: ["critical"], "selector"?: { "kind": "latest" } |
 *   { "kind": "recovery-point", "id": "<arn>" } | { "kind": "point-in-time", "time": "<iso>" }, "startedBy"?: "<who>" }`
 */

/** Tag key set on everything a drill creates (value: the execution ARN). Mirrors `TagKeys.drill` in `lib/tags.ts`. */
export const DRILL_TAG = 'rxdr:drill';
/**
 * Every drill instance identifier starts with this (the restore role may create nothing else). A cluster drill's
 * cluster and its one instance carry the same identifier (RDS names clusters and instances apart).
 */
export const DRILL_INSTANCE_PREFIX = 'rxdr-drill-';

const isoTime = z.iso.datetime({ offset: true });
const name = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'must be a database name from the configuration');

export const selectorSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('latest') }),
  z.strictObject({
    kind: z.literal('recovery-point'),
    id: z.string().regex(/^arn:aws[a-z-]*:(backup|rds):/, 'must be an AWS Backup recovery point or RDS snapshot ARN'),
  }),
  z.strictObject({ kind: z.literal('point-in-time'), time: isoTime }),
]);

export const executionInputSchema = z.strictObject({
  /** `all` (default) or the configured names of the databases to drill. */
  databases: z.union([z.literal('all'), z.array(name).min(1, 'name at least one database, or "all"')]).default('all'),
  /** Only databases of these tiers (per-tier schedules). */
  tiers: z.array(z.string().min(1)).min(1).optional(),
  selector: selectorSchema.default({ kind: 'latest' }),
  /** Who asked: `schedule:<name>` or the caller's IAM ARN (CloudTrail's StartExecution record is authoritative). */
  startedBy: z.string().min(1).max(512).optional(),
});
export type ExecutionInput = z.output<typeof executionInputSchema>;

/** One protected database as the drill needs it (built at synth from the environment config). */
export const fleetDatabaseSchema = z
  .strictObject({
    name,
    tierName: z.string().min(1),
    tier: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    targets: z.strictObject({ rtoSeconds: z.number().nonnegative(), rpoSeconds: z.number().nonnegative() }),
    /** An RDS DB instance, or an Aurora PostgreSQL cluster (restored as a cluster with one instance). */
    kind: z.enum(['instance', 'cluster']).default('instance'),
    /** `backup`: newest recovery point in the recovery vault (AWS Backup restore job); `point-in-time`: replicated automated backups. */
    source: z.enum(['backup', 'point-in-time']),
    /** ARN of the protected DB instance or Aurora cluster in the primary region (its recovery points name it). */
    sourceArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:(db|cluster):[a-zA-Z][a-zA-Z0-9-]*$/,
        'must be an RDS DB instance or DB cluster ARN',
      ),
    /** Replicated Secrets Manager secret in the recovery region with `username`/`password` (and optionally `dbname`). */
    secretId: z.string().min(1),
    /** PostgreSQL database the validator connects to. */
    databaseName: z.string().min(1).default('postgres'),
    /** The source's allocated storage in bytes, from the configuration: what a first drill predicts from. */
    allocatedBytes: z.number().int().positive().optional(),
    /** How its validation is split: chunk invocations at once, bytes per chunk, most chunks in one plan. */
    chunking: z
      .strictObject({
        parallelism: z.number().int().min(1).max(40),
        chunkBytes: z.number().int().positive(),
        maxChunks: z.number().int().positive(),
      })
      .optional(),
  })
  .superRefine((db, ctx) => {
    const resource = db.kind === 'cluster' ? 'cluster' : 'db';
    if (db.sourceArn.split(':')[5] !== resource)
      ctx.addIssue({
        code: 'custom',
        path: ['sourceArn'],
        message: `a database of kind "${db.kind}" names a ${resource === 'db' ? 'DB instance' : 'DB cluster'} ARN, got ${db.sourceArn}`,
      });
    if (db.kind === 'cluster' && db.source === 'point-in-time')
      ctx.addIssue({
        code: 'custom',
        path: ['source'],
        message: `an Aurora cluster is drilled from the recovery vault's recovery points (Aurora has no replicated automated backups in the recovery region), got "point-in-time"`,
      });
  });
export type FleetDatabase = z.output<typeof fleetDatabaseSchema>;

export const fleetSchema = z.strictObject({
  environment: z.string().min(1),
  toolVersion: z.string().min(1),
  restoreTimeoutSeconds: z.number().int().positive(),
  deletionTimeoutSeconds: z.number().int().positive(),
  poll: z.strictObject({
    initialSeconds: z.number().positive(),
    factor: z.number().min(1),
    maxSeconds: z.number().positive(),
  }),
  databases: z.array(fleetDatabaseSchema).min(1),
});
export type Fleet = z.output<typeof fleetSchema>;

/** What the Plan task receives: the execution input and context, and the fleet from the definition. */
export const planEventSchema = z.strictObject({
  request: z.unknown(),
  execution: z.strictObject({ id: z.string().min(1), name: z.string().min(1), startTime: isoTime }),
  fleet: fleetSchema,
});

const runSchema = z.strictObject({ executionId: z.string().min(1), executionName: z.string().min(1) });

const drillInputSchema = z.looseObject({
  drillId: z.string().min(1),
  environment: z.string().min(1),
  database: name,
  tier: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  targets: z.strictObject({ rtoSeconds: z.number().nonnegative(), rpoSeconds: z.number().nonnegative() }),
  selector: selectorSchema,
  startedBy: z.string().min(1),
  toolVersion: z.string().min(1),
  restoreTimeoutSeconds: z.number().positive(),
});

/** The core `DrillState`, checked only where a step relies on it; the step logic owns the rest. */
const drillStateSchema = z.looseObject({ input: drillInputSchema, startedAt: isoTime.optional() });

/** Expected durations learnt from this database's previous drill (first wait ≈ expectation). */
const expectSchema = z.strictObject({
  restoreSeconds: z.number().nonnegative().optional(),
  deletionSeconds: z.number().nonnegative().optional(),
  databaseBytes: z.number().nonnegative().optional(),
  validationBytesPerSecond: z.number().nonnegative().optional(),
  /** The Plan task's prediction (`planDrillFit`): chunk parallelism, and what does not fit its window. */
  fit: z
    .strictObject({
      parallel: z.number().int().min(1).max(40),
      predictedSeconds: z.number().nonnegative(),
      problems: z.array(z.string()),
      basis: z.enum(['previous-drill', 'defaults']),
      assumed: z.array(z.string()),
    })
    .optional(),
  /** Why the Plan task made no prediction (`prediction skipped: …`); recorded in the evidence. */
  predictionSkipped: z.string().optional(),
});

/** The state of one Map iteration (one database's drill). */
export const drillItemSchema = z.strictObject({
  drill: drillStateSchema,
  database: fleetDatabaseSchema,
  run: runSchema,
  expect: expectSchema.default({}),
  /** How long the next Wait state pauses (`SecondsPath`). */
  wait: z.strictObject({ seconds: z.number().int().nonnegative() }),
  /** The planned chunks of the validation (PlanChunks → ValidateChunks → Validate): only their ids travel. */
  chunking: z
    .strictObject({
      prefix: z.string(),
      ids: z.array(z.number().int().nonnegative()),
      parallel: z.number().int().min(1).max(40),
    })
    .optional(),
  /** Set by a Catch: the error of a task that failed after its retries. */
  crash: z.strictObject({ Error: z.string(), Cause: z.string().optional() }).optional(),
});
export type DrillItemInput = z.input<typeof drillItemSchema>;

/** One database's outcome as the Map returns it (small: the Map result of 200 databases must stay under 256 KiB). */
export const drillOutcomeSchema = z.strictObject({
  database: z.string(),
  tierName: z.string(),
  result: z.enum(['passed', 'failed']),
  failureReason: z.string().optional(),
  achievedRtoSeconds: z.number().optional(),
  achievedRpoSeconds: z.number().optional(),
  targets: z.strictObject({ rtoSeconds: z.number(), rpoSeconds: z.number() }),
  cleanup: z.string(),
  evidence: z.string().optional(),
});
export type DrillOutcome = z.output<typeof drillOutcomeSchema>;

export const notifyEventSchema = z.strictObject({
  runId: z.string().min(1),
  environment: z.string().min(1),
  startedBy: z.string().min(1),
  outcomes: z.array(drillOutcomeSchema),
});

/** A malformed event: rejected before any AWS call; the state machine does not retry it. */
export class InvalidEventError extends Error {
  constructor(what: string, issues: readonly z.core.$ZodIssue[]) {
    super(
      `invalid ${what}: ${issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
    );
    this.name = 'Rxdr.InvalidEvent';
  }
}

export function parseEvent<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidEventError(what, parsed.error.issues);
  return parsed.data;
}

/** One chunk invocation of the ValidateChunks Map (its ItemSelector builds this from the database's item). */
export const chunkEventSchema = z.strictObject({
  chunk: z.number().int().nonnegative(),
  prefix: z.string().min(1),
  handle: z.strictObject({ id: z.string().min(1), details: z.record(z.string(), z.string()) }),
  recoveryPointTime: isoTime,
  database: fleetDatabaseSchema,
  run: runSchema,
});
