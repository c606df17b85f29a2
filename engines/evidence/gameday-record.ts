import { z } from 'zod';

/**
 * What a game day adds to the evidence document (kind `gameday`): the scenario, who took part in which role
 * (verified identities only), the timeline, the steps that needed retries or a person's override, and the lessons
 * entered at the end. The document's `achievedRtoSeconds` is fault injected → service verified.
 */
const isoTime = z.iso.datetime({ offset: true });

export const GameDayParticipant = z.object({
  /** A verified identity: STS for the facilitator, the runbook gateway for engineers and approvers. */
  person: z.string().min(1),
  /** `facilitator` started or ended the game day; `engineer` ran a runbook; `approver` approved one. */
  role: z.enum(['facilitator', 'engineer', 'approver']),
  /** Roster name, when the identity is on the on-call roster. */
  name: z.string().optional(),
  /** Where the identity was verified (`sts`, or the execution the gateway started or approved). */
  verifiedBy: z.string().min(1),
});
export type GameDayParticipant = z.infer<typeof GameDayParticipant>;

export const GameDayMilestone = z.object({
  name: z.string().min(1),
  at: isoTime.optional(),
  sinceFaultSeconds: z.number().nonnegative().optional(),
  source: z.string().optional(),
  detail: z.string().optional(),
});

export const GameDayRecord = z.object({
  scenario: z.string().min(1),
  experimentId: z.string().optional(),
  experimentState: z.string().optional(),
  participants: z.array(GameDayParticipant),
  timeline: z.array(GameDayMilestone),
  /** Fault injected → verified (or → back at baseline when no failover was needed). */
  timeToRecoverSeconds: z.number().nonnegative().optional(),
  /** Runbook steps that failed and were retried, or that a person overrode (forced run, resumed steps, aborts). */
  interventions: z.array(
    z.object({
      kind: z.enum(['retry', 'override']),
      execution: z.string().min(1),
      step: z.string().optional(),
      detail: z.string().min(1),
    }),
  ),
  /** How the environment came back: a failback run, or its original topology verified. */
  baseline: z.object({
    how: z.enum(['failback', 'original-topology']),
    verifiedAt: isoTime,
    problems: z.array(z.string()),
  }),
  /** The end was run before the fault's own end: the experiment was stopped. */
  endedEarly: z.boolean(),
  lessons: z.array(z.string()),
  /** The failover and failback evidence of the runs this game day includes. */
  runbookEvidence: z.array(z.string()).default([]),
  /**
   * The runbook decisions the operator took when the game day asked them in the terminal (a rehearsal on one
   * machine), each timed and scored against what the situation called for.
   */
  decisions: z
    .array(
      z.object({
        id: z.string().min(1),
        question: z.string().min(1),
        answer: z.string().min(1),
        /** What the situation called for; absent when any allowed answer is fine. */
        expected: z.string().optional(),
        correct: z.boolean(),
        seconds: z.number().nonnegative(),
      }),
    )
    .optional(),
});
export type GameDayRecord = z.infer<typeof GameDayRecord>;
