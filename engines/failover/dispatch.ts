import { z } from 'zod';
import { asStepError } from './aws-helpers';
import { Errors, StepError } from './catalog';
import type { StepDeps } from './clients';
import * as failback from './failback-steps';
import * as failover from './failover-steps';
import { awsFailbackProvider, awsFailoverProvider } from './aws-provider';
import type { FailbackProvider, FailoverProvider } from './provider';
import { assertSeparateApproval } from './separation';

type Status = 'completed' | 'failed' | 'aborted';

/** One runbook's tasks: the step each action the state machine sends runs, over the AWS provider. */
interface RunbookTasks<S, P> {
  readonly operation: 'failover' | 'failback';
  readonly state: z.ZodType<S>;
  readonly provider: (deps: StepDeps) => P;
  /** The steps by action, in the order the state machine runs them (approval and evidence are every runbook's). */
  readonly steps: Readonly<Record<string, (state: S, provider: P, deps: StepDeps) => Promise<unknown>>>;
  /** What the approvers are asked to approve. */
  readonly approvalSummary: (state: S, deps: StepDeps) => string;
  readonly evidence: (state: S, status: Status, deps: StepDeps) => Promise<unknown>;
}

const EVIDENCE_ACTIONS: Readonly<Record<string, Status>> = {
  evidence: 'completed',
  'evidence-failed': 'failed',
  'evidence-aborted': 'aborted',
};

const FAILOVER: RunbookTasks<failover.FailoverState, FailoverProvider> = {
  operation: 'failover',
  state: failover.FailoverState,
  provider: awsFailoverProvider,
  steps: {
    preflight: (state, provider) => provider.preflight(state),
    activate: (state, _provider, deps) => {
      assertSeparateApproval(state.input.startedBy, state.approval);
      return failover.activateContingencyPlan(state, deps);
    },
    'start-recovery': (state, provider) => provider.startRecovery(state),
    'check-recovery': (state, provider) => provider.checkRecovery(state),
    'prepare-validation': (state, _provider, deps) => failover.prepareValidation(state, deps),
    validate: (state, provider) => provider.validate(state),
    repoint: (state, provider) => provider.repoint(state),
    'check-repoint': (state, provider) => provider.checkRepoint(state),
    verify: (state, provider) => provider.verify(state),
    notify: (state, _provider, deps) => failover.notifyResult(state, deps),
  },
  approvalSummary: (state) => {
    const plan = failover.required(state.plan, 'plan');
    const forced = state.input.force ? `\nFORCED although the primary looks healthy: ${state.input.force.reason}` : '';
    return (
      `Failover of ${plan.database} (${plan.strategy}) waits for approval. Primary: ` +
      `${plan.primary.detail}. Expected data loss: ${plan.expectedDataLossSeconds ?? 'unknown'} ` +
      `s; expected duration: ${plan.expectedDurationSeconds} s.\nReason: ${state.input.reason}${forced}`
    );
  },
  evidence: failover.recordFailoverEvidence,
};

const FAILBACK: RunbookTasks<failback.FailbackState, FailbackProvider> = {
  operation: 'failback',
  state: failback.FailbackState,
  provider: awsFailbackProvider,
  steps: {
    preflight: (state, provider) => provider.preflight(state),
    'create-replica': (state, provider) => {
      assertSeparateApproval(state.input.startedBy, state.approval);
      return provider.createReplica(state);
    },
    'check-replica': (state, provider) => provider.checkReplica(state),
    freeze: (state, provider) => provider.freeze(state),
    'check-caught-up': (state, provider) => provider.checkCaughtUp(state),
    promote: (state, provider) => provider.promote(state),
    'check-promoted': (state, provider) => provider.checkPromoted(state),
    repoint: (state, provider) => provider.repoint(state),
    'check-repoint': (state, provider) => provider.checkRepoint(state),
    verify: (state, provider) => provider.verify(state),
    unfreeze: (state, provider) => provider.unfreeze(state),
  },
  approvalSummary: (state, deps) => {
    const plan = failover.required(state.plan, 'plan');
    return (
      `Failback of ${plan.database} to ${deps.catalog.primaryRegion} waits for approval: a ` +
      `replica ${plan.replicaIdentifier} is built from ${plan.currentPrimary.identifier}, then a ` +
      `write freeze of about ${plan.expectedFreezeSeconds} s.\nReason: ${state.input.reason}`
    );
  },
  evidence: failback.recordFailbackEvidence,
};

/** What the state machine sends: `{ action, state }` (plus `taskToken` for the approval gate). */
function taskEvent(steps: Readonly<Record<string, unknown>>) {
  const actions = [...Object.keys(steps), ...Object.keys(EVIDENCE_ACTIONS)] as [string, ...string[]];
  return z.discriminatedUnion('action', [
    z.object({ action: z.enum(actions), state: z.unknown() }),
    z.object({ action: z.literal('request-approval'), taskToken: z.string().min(1), state: z.unknown() }),
  ]);
}

const FAILOVER_EVENT = taskEvent(FAILOVER.steps);
const FAILBACK_EVENT = taskEvent(FAILBACK.steps);

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new StepError(
      Errors.invalidInput,
      `invalid ${what}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** Route one task to its step; throttling surfaces as `Rxdr.Throttled` for the state machine's retrier. */
async function runAction<S extends { execution: { name: string; id: string } }, P>(
  tasks: RunbookTasks<S, P>,
  eventSchema: typeof FAILOVER_EVENT,
  raw: unknown,
  deps: StepDeps,
): Promise<unknown> {
  const event = parse(eventSchema, raw, `${tasks.operation} task event`);
  const state = parse(tasks.state, event.state, `${tasks.operation} state`);
  const provider = tasks.provider(deps);
  try {
    if ('taskToken' in event) {
      const summary = tasks.approvalSummary(state, deps);
      return await failover.requestApproval(tasks.operation, event.taskToken, state.execution, summary, deps);
    }
    const status = EVIDENCE_ACTIONS[event.action];
    if (status) return await tasks.evidence(state, status, deps);
    const step = tasks.steps[event.action];
    if (!step) throw new StepError(Errors.invalidInput, `no ${tasks.operation} step for action ${event.action}`);
    return await step(state, provider, deps);
  } catch (error) {
    throw asStepError(error);
  }
}

/** Route one failover task to its step. */
export async function runFailoverAction(raw: unknown, deps: StepDeps): Promise<unknown> {
  return runAction(FAILOVER, FAILOVER_EVENT, raw, deps);
}

/** Route one failback task to its step. */
export async function runFailbackAction(raw: unknown, deps: StepDeps): Promise<unknown> {
  return runAction(FAILBACK, FAILBACK_EVENT, raw, deps);
}
