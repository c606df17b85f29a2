/** The failover's input and the state the state machine carries from step to step. */
import { z } from 'zod';
import { RepointChangeSchema } from '../repoint-progress';
import { EvidenceCheck } from '../../evidence/schema';
import { Strategy } from '../catalog';

const isoTime = z.iso.datetime({ offset: true });

/** What `rxdr failover start|plan`, the SSM document or a person in the console passes to StartExecution. */
export const FailoverInput = z.strictObject({
  database: z.string().min(1),
  /** @default the tier's `failoverStrategy` */
  strategy: Strategy.optional(),
  /** Point-in-time strategy: restore to this moment. @default the latest restorable time */
  targetTime: isoTime.optional(),
  /** Preflight and plan only: no mutating call. */
  dryRun: z.boolean().default(false),
  /** Why fail over (recorded in evidence and notices). */
  reason: z.string().min(3, 'say why you fail over (at least 3 characters)'),
  /** The primary looks healthy and you fail over anyway: why. */
  force: z
    .strictObject({ reason: z.string().min(10, 'a forced failover needs a reason of at least 10 characters') })
    .optional(),
  /** The caller's identity (IAM principal ARN); CloudTrail records the StartExecution call as well. */
  startedBy: z.string().min(1),
});
export type FailoverInput = z.infer<typeof FailoverInput>;

const Execution = z.object({ id: z.string(), name: z.string(), startTime: z.string().nullish() });
const Timed = z.object({ startedAt: isoTime, endedAt: isoTime });

export const PlanStep = z.object({
  name: z.string(),
  description: z.string(),
  status: z.enum(['pending', 'already-done']),
});

export const Plan = Timed.extend({
  database: z.string(),
  strategy: Strategy,
  tier: z.number(),
  rtoSeconds: z.number(),
  rpoSeconds: z.number(),
  primary: z.object({ identifier: z.string(), status: z.string(), healthy: z.boolean(), detail: z.string() }),
  /** Replica, automated backups or recovery point the run recovers from. */
  source: z
    .object({
      kind: z.enum(['replica', 'point-in-time', 'snapshot']),
      id: z.string(),
      recoveryPointTime: z.string(),
      /** Where a recovery point came from (`vault`, `recoveryVaultDeclaredLost`), as a drill records it. */
      details: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  targetInstanceIdentifier: z.string(),
  /** A resumed run found the recovery already started or done. */
  recoveryAlreadyStarted: z.boolean(),
  expectedDataLossSeconds: z.number().nullable(),
  expectedDurationSeconds: z.number(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
  blockers: z.array(z.string()),
  warnings: z.array(z.string()),
  /** The primary looks healthy and the run is not forced: it stops before the approval gate. */
  refused: z.boolean(),
  /** `blocked`, `refused`, `dry-run` or `proceed`: what the state machine does next. */
  decision: z.enum(['blocked', 'refused', 'dry-run', 'proceed']),
  steps: z.array(PlanStep),
});
export type Plan = z.infer<typeof Plan>;

export const Approval = z.object({
  approvedBy: z.string().min(1),
  approvedAt: isoTime,
  comment: z.string().optional(),
  /** Approved with the break-glass role: separation of duties waived, the role's use alarmed. */
  breakGlass: z.boolean().optional(),
});
export const Recovery = Timed.extend({
  instanceIdentifier: z.string(),
  outcome: z.enum(['done', 'already-done']),
  restoreJobId: z.string().optional(),
  polls: z.number().int().nonnegative(),
  waitSeconds: z.number().int().positive(),
  status: z.enum(['pending', 'available']),
  detail: z.string().optional(),
  availableAt: isoTime.optional(),
  endpoint: z.object({ host: z.string(), port: z.number() }).optional(),
});
export const Validation = Timed.extend({
  passed: z.boolean(),
  achievedRpoSeconds: z.number().optional(),
  checks: z.array(EvidenceCheck),
});
/**
 * What the PrepareValidation step hands to the validator's own tasks: PlanChunks sends `plan` and Validate sends
 * `wholeTable` to the validator function as they are; the ValidateChunks Map reads the rest.
 */
export const ValidationRequests = z.object({
  startedAt: isoTime,
  /** The manifest version every part compares with (chosen once, before the plan). */
  manifest: z.object({ bucket: z.string().min(1), key: z.string().min(1), versionId: z.string().min(1) }),
  recoveryPointTime: isoTime,
  /** The planning call (`ChunkPlanInput` of the validation engine). */
  plan: z.record(z.string(), z.unknown()),
  /** The whole-table step over the stored chunk verdicts (`ValidationInput` with `chunks`). */
  wholeTable: z.record(z.string(), z.unknown()),
});
export type ValidationRequestsRecord = z.infer<typeof ValidationRequests>;
/** The validator's chunk plan (PlanChunks' answer): what the ValidateChunks Map runs. */
export const Chunking = z.object({
  prefix: z.string().min(1),
  ids: z.array(z.number().int().nonnegative()),
  parallel: z.number().int().positive(),
  /** The planned size (`pg_total_relation_size` of the manifest's tables). */
  bytes: z.number().nonnegative(),
});
export type ChunkingRecord = z.infer<typeof Chunking>;
export const Repoint = Timed.extend({
  changes: z.array(RepointChangeSchema),
  polls: z.number().int().nonnegative(),
  waitSeconds: z.number().int().positive(),
  inSync: z.boolean(),
  inSyncAt: isoTime.optional(),
});

/** Clients stopped writing to the old primary (only platforms whose clients would keep writing need it). */
export const Freeze = Timed.extend({
  detail: z.string(),
  /** A planned switchover: the primary's WAL position once writes froze, which the standby must replay first. */
  walPosition: z.string().optional(),
});
export type FreezeRecord = z.infer<typeof Freeze>;
export const Verify = Timed.extend({
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
});
export type VerifyRecord = z.infer<typeof Verify>;

/** The execution state as it grows; each step reads what it needs. */
export const FailoverState = z.object({
  input: FailoverInput,
  execution: Execution,
  plan: Plan.optional(),
  approval: Approval.optional(),
  activation: Timed.extend({ activatedAt: isoTime }).optional(),
  freeze: Freeze.optional(),
  /** A run that froze writes and failed: the freeze lifted, or why it was kept (something was promoted). */
  unfreeze: Freeze.optional(),
  recovery: Recovery.optional(),
  validationRequests: ValidationRequests.optional(),
  chunking: Chunking.optional(),
  /** The validator's answer to Validate (a `ValidationReport`), read by the RecordValidation step. */
  validationReport: z.unknown().optional(),
  validation: Validation.optional(),
  repoint: Repoint.optional(),
  verify: Verify.optional(),
  notify: Timed.optional(),
  /** Set by the state machine's Catch: `{ Error, Cause }`. */
  failure: z.object({ Error: z.string(), Cause: z.string().nullish() }).optional(),
  /** The state the failure happened in (the Catch's Pass states set it). */
  failedStep: z.string().optional(),
});
export type FailoverState = z.infer<typeof FailoverState>;
