import { z } from 'zod';
import { asStepError } from './aws-helpers';
import { Errors, StepError } from './catalog';
import type { StepDeps } from './clients';
import * as failback from './failback-steps';
import * as failover from './failover-steps';
import { awsFailbackProvider, awsFailoverProvider } from './aws-provider';
import { assertSeparateApproval } from './separation';

/** What the state machines send: `{ action, state }` (plus `taskToken` for the approval gate). */
const Event = z.discriminatedUnion('action', [
  z.object({
    action: z.enum([
      'preflight',
      'activate',
      'start-recovery',
      'check-recovery',
      'prepare-validation',
      'validate',
      'repoint',
      'check-repoint',
      'verify',
      'notify',
      'evidence',
      'evidence-failed',
      'evidence-aborted',
    ]),
    state: z.unknown(),
  }),
  z.object({ action: z.literal('request-approval'), taskToken: z.string().min(1), state: z.unknown() }),
]);

const FailbackEvent = z.discriminatedUnion('action', [
  z.object({
    action: z.enum([
      'preflight',
      'create-replica',
      'check-replica',
      'freeze',
      'check-caught-up',
      'promote',
      'check-promoted',
      'repoint',
      'check-repoint',
      'verify',
      'unfreeze',
      'evidence',
      'evidence-failed',
      'evidence-aborted',
    ]),
    state: z.unknown(),
  }),
  z.object({ action: z.literal('request-approval'), taskToken: z.string().min(1), state: z.unknown() }),
]);

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new StepError(
      Errors.invalidInput,
      `invalid ${what}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** Route one failover task to its step; throttling surfaces as `Rxdr.Throttled` for the state machine's retrier. */
export async function runFailoverAction(raw: unknown, deps: StepDeps): Promise<unknown> {
  const event = parse(Event, raw, 'failover task event');
  const state = parse(failover.FailoverState, event.state, 'failover state');
  const provider = awsFailoverProvider(deps);
  try {
    switch (event.action) {
      case 'preflight':
        return await provider.preflight(state);
      case 'request-approval': {
        const plan = failover.required(state.plan, 'plan');
        const forced = state.input.force
          ? `\nFORCED although the primary looks healthy: ${state.input.force.reason}`
          : '';
        const summary =
          `Failover of ${plan.database} (${plan.strategy}) waits for approval. Primary: ` +
          `${plan.primary.detail}. Expected data loss: ${plan.expectedDataLossSeconds ?? 'unknown'} ` +
          `s; expected duration: ${plan.expectedDurationSeconds} s.\nReason: ${state.input.reason}${forced}`;
        return await failover.requestApproval('failover', event.taskToken, state.execution, summary, deps);
      }
      case 'activate':
        assertSeparateApproval(state.input.startedBy, state.approval);
        return await failover.activateContingencyPlan(state, deps);
      case 'start-recovery':
        return await provider.startRecovery(state);
      case 'check-recovery':
        return await provider.checkRecovery(state);
      case 'prepare-validation':
        return await failover.prepareValidation(state, deps);
      case 'validate':
        return await provider.validate(state);
      case 'repoint':
        return await provider.repoint(state);
      case 'check-repoint':
        return await provider.checkRepoint(state);
      case 'verify':
        return await provider.verify(state);
      case 'notify':
        return await failover.notifyResult(state, deps);
      case 'evidence':
        return await failover.recordFailoverEvidence(state, 'completed', deps);
      case 'evidence-failed':
        return await failover.recordFailoverEvidence(state, 'failed', deps);
      case 'evidence-aborted':
        return await failover.recordFailoverEvidence(state, 'aborted', deps);
    }
  } catch (error) {
    throw asStepError(error);
  }
}

/** Route one failback task to its step. */
export async function runFailbackAction(raw: unknown, deps: StepDeps): Promise<unknown> {
  const event = parse(FailbackEvent, raw, 'failback task event');
  const state = parse(failback.FailbackState, event.state, 'failback state');
  const provider = awsFailbackProvider(deps);
  try {
    switch (event.action) {
      case 'preflight':
        return await provider.preflight(state);
      case 'request-approval': {
        const plan = failover.required(state.plan, 'plan');
        const summary =
          `Failback of ${plan.database} to ${deps.catalog.primaryRegion} waits for approval: a ` +
          `replica ${plan.replicaIdentifier} is built from ${plan.currentPrimary.identifier}, then a ` +
          `write freeze of about ${plan.expectedFreezeSeconds} s.\nReason: ${state.input.reason}`;
        return await failover.requestApproval('failback', event.taskToken, state.execution, summary, deps);
      }
      case 'create-replica':
        assertSeparateApproval(state.input.startedBy, state.approval);
        return await provider.createReplica(state);
      case 'check-replica':
        return await provider.checkReplica(state);
      case 'freeze':
        return await provider.freeze(state);
      case 'check-caught-up':
        return await provider.checkCaughtUp(state);
      case 'promote':
        return await provider.promote(state);
      case 'check-promoted':
        return await provider.checkPromoted(state);
      case 'repoint':
        return await provider.repoint(state);
      case 'check-repoint':
        return await provider.checkRepoint(state);
      case 'verify':
        return await provider.verify(state);
      case 'unfreeze':
        return await provider.unfreeze(state);
      case 'evidence':
        return await failback.recordFailbackEvidence(state, 'completed', deps);
      case 'evidence-failed':
        return await failback.recordFailbackEvidence(state, 'failed', deps);
      case 'evidence-aborted':
        return await failback.recordFailbackEvidence(state, 'aborted', deps);
    }
  } catch (error) {
    throw asStepError(error);
  }
}
