/** The failback's input and the state the state machine carries from step to step. */
import { z } from 'zod';
import { RepointChangeSchema } from '../repoint-progress';
import { Approval } from '../failover-steps/state';

const isoTime = z.iso.datetime({ offset: true });
const Timed = z.object({ startedAt: isoTime, endedAt: isoTime });
export const Endpoint = z.object({ host: z.string(), port: z.number() });
const Check = z.object({ name: z.string(), ok: z.boolean(), detail: z.string() });

export const FailbackInput = z.strictObject({
  database: z.string().min(1),
  dryRun: z.boolean().default(false),
  reason: z.string().min(3, 'say why you fail back (at least 3 characters)'),
  startedBy: z.string().min(1),
});
export type FailbackInput = z.infer<typeof FailbackInput>;

export const FailbackPlan = Timed.extend({
  database: z.string(),
  currentPrimary: z.object({ identifier: z.string(), arn: z.string(), status: z.string() }),
  replicaIdentifier: z.string(),
  /** The replica in the primary region already exists (a resumed run). */
  replicaExists: z.boolean(),
  originalPrimary: z.object({ identifier: z.string(), status: z.string() }),
  expectedFreezeSeconds: z.number(),
  expectedDurationSeconds: z.number(),
  checks: z.array(Check),
  blockers: z.array(z.string()),
  decision: z.enum(['blocked', 'dry-run', 'proceed']),
  steps: z.array(z.object({ name: z.string(), description: z.string() })),
  /**
   * The failback of a detached Aurora secondary: a new global database (`globalClusterIdentifier`) from it
   * (`sourceClusterIdentifier`), a new secondary in the primary region (`replicaIdentifier`), a switchover to that.
   * `leftForOperator`: what the run never touches (the old primary cluster and its global database).
   */
  rebuild: z
    .object({
      globalClusterIdentifier: z.string(),
      sourceClusterIdentifier: z.string(),
      leftForOperator: z.array(z.string()),
    })
    .optional(),
});
export type FailbackPlan = z.infer<typeof FailbackPlan>;

const Poll = z.object({ polls: z.number().int().nonnegative(), waitSeconds: z.number().int().positive() });

export const FailbackState = z.object({
  input: FailbackInput,
  execution: z.object({ id: z.string(), name: z.string(), startTime: z.string().nullish() }),
  plan: FailbackPlan.optional(),
  approval: Approval.optional(),
  replica: Timed.merge(Poll)
    .extend({
      outcome: z.enum(['done', 'already-done']),
      status: z.enum(['pending', 'available']),
      detail: z.string().optional(),
      availableAt: isoTime.optional(),
    })
    .optional(),
  freeze: Timed.extend({
    parameterName: z.string(),
    frozenAt: isoTime,
    outcome: z.enum(['done', 'already-done']),
  }).optional(),
  catchUp: Poll.extend({
    lagSeconds: z.number().nullable(),
    zeroLagPolls: z.number().int().nonnegative(),
    caughtUp: z.boolean(),
    caughtUpAt: isoTime.optional(),
  }).optional(),
  promotion: Timed.merge(Poll)
    .extend({
      outcome: z.enum(['done', 'already-done']),
      status: z.enum(['pending', 'available']),
      availableAt: isoTime.optional(),
      endpoint: Endpoint.optional(),
    })
    .optional(),
  repoint: Timed.merge(Poll)
    .extend({
      changes: z.array(RepointChangeSchema),
      inSync: z.boolean(),
      inSyncAt: isoTime.optional(),
    })
    .optional(),
  verify: Timed.extend({ checks: z.array(Check) }).optional(),
  unfreeze: Timed.optional(),
  failure: z.object({ Error: z.string(), Cause: z.string().nullish() }).optional(),
  failedStep: z.string().optional(),
});
export type FailbackState = z.infer<typeof FailbackState>;
