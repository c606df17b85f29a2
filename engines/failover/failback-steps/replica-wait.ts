/** The waits on the failback replica (until it is built, until it is promoted): how each starts and each look. */
import { EVENT_WAIT_SAFETY_NET_SECONDS, findInstance } from '../aws-helpers';
import type { StepDeps } from '../clients';
import { required } from '../failover-steps/required';
import type { FailbackState } from './state';

/** The record of a wait just started (or found started), looked at again after `waitSeconds` or its event. */
export function waitStarted(
  deps: StepDeps,
  startedAt: string,
  outcome: 'done' | 'already-done',
  waitSeconds = EVENT_WAIT_SAFETY_NET_SECONDS,
) {
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    outcome,
    polls: 0,
    waitSeconds,
    status: 'pending' as const,
  };
}

/** One more look at the failback instance in the primary region, for the wait recorded under `key`. */
export async function lookAtReplica<K extends 'replica' | 'promotion'>(state: FailbackState, deps: StepDeps, key: K) {
  const record = required(state[key], key) as NonNullable<FailbackState[K]>;
  const plan = required(state.plan, 'plan');
  const instance = await findInstance(deps.clients.rdsPrimary, plan.replicaIdentifier);
  return { record, plan, instance, polls: record.polls + 1 };
}
