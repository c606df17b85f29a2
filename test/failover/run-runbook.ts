import { makeHandler } from '../../lambda/runbook-steps';
import {
  stepFunctionsError,
  type Json,
  type LocalExecutionResult,
  type LocalRunOptions,
  type LocalStateMachine,
} from '../helpers/local-state-machine';
import { EVENT_DELAY_SECONDS, LocalEventWaits, type EventDelivery } from '../helpers/event-waits';
import { RECOVERY, type FakeAws } from './fake-aws';
import { CHUNK_VALIDATOR, VALIDATOR } from './runbook-stack';

/** `never`: the gate stays open until the execution ends (its approval timeout, or an abort). */
/** The on-call engineer who starts the runbooks in these tests. */
export const ONCALL_ALICE = 'arn:aws:sts::111111111111:assumed-role/oncall/alice';

/** The input of a failover of `database` started by the on-call engineer for a primary-region outage. */
export const outageFailoverInput = (database = 'dispensing') => ({
  database,
  reason: 'us-east-1 RDS outage',
  startedBy: ONCALL_ALICE,
});

export type Approval = 'approve' | 'abort' | 'never';

export interface RunbookRunOptions {
  approval?: Approval;
  /** Simulated seconds a person takes at the approval gate. @default 60 */
  approvalSeconds?: number;
  /** Extra fields of the approval (who approved, break glass). */
  approver?: { approvedBy: string; breakGlass?: boolean };
  /** The first call of this action does its work, then its function dies (`Rxdr.StepFailed`). */
  crashAfter?: string;
  executionName?: string;
  aroundTask?: LocalRunOptions['aroundTask'];
  /**
   * The event-driven waits (recovery, failback replica, promotion): the real park/resume code over the fake
   * account's events. Pass one to choose how events arrive (lost, late duplicates) or to inspect it after.
   * @default every event, EVENT_DELAY_SECONDS after the instance changed
   */
  waits?: LocalEventWaits;
}

/**
 * Which action each polling step waits on before it asks again (the virtual clock jumps by the wait the state
 * machine's Wait state took): Route 53 and the replica lag have no event. The RDS waits move the clock themselves (to the event, or the timeout).
 */
const WAITS: Record<string, string> = {
  'check-repoint': 'repoint',
  'check-caught-up': 'catchUp',
};

/** The waits ended by events, by state name. */
const EVENT_WAITS = { failover: ['AwaitRecovery'], failback: ['AwaitFailbackReplica', 'AwaitFailbackPromotion'] };

/** `waits` with events from `world`: the default delivery of the runbook tests and the bench. */
export function runbookWaits(delivery: EventDelivery = { delaySeconds: EVENT_DELAY_SECONDS }): LocalEventWaits {
  return new LocalEventWaits(delivery);
}

/**
 * Run a synthesized runbook state machine (failover or failback) with the real handler over the fake
 * account; the approval gate is answered by the test. Nothing takes real time: the virtual clock jumps by the
 * seconds each polling Wait asked for just before the check after it, as Step Functions would have waited, and
 * each event-driven wait moves it to the event's delivery (or to the wait's timeout when none comes first).
 * The one harness of the runbook tests and `bench/failover.ts`.
 */
export function runRunbook(
  operation: 'failover' | 'failback',
  machine: LocalStateMachine,
  world: FakeAws,
  input: Record<string, unknown>,
  options: RunbookRunOptions = {},
): Promise<LocalExecutionResult> {
  const handler = makeHandler(operation, world.deps());
  const waits = options.waits ?? runbookWaits();
  const awaitEvent = waits.waitHandler({ clockOf: () => world.clock, eventsOf: (id) => world.eventsOf(id) });
  let crashed = false;
  const fn = async (event: Json) => {
    const e = event as { action: string; state: Record<string, { waitSeconds?: number } | undefined> };
    // A check after its Wait state: the step before it left the seconds to wait. The first catch-up check
    // follows the freeze directly (no Wait), and the failback's first repoint check the promotion's wait (the
    // record change started with the promotion), so nothing is waited before them.
    const record = WAITS[e.action]
      ? (e.state[WAITS[e.action]!] as { waitSeconds?: number; polls?: number })
      : undefined;
    const direct = operation === 'failback' && e.action === 'check-repoint' && record?.polls === 0;
    const waitSeconds = direct ? undefined : record?.waitSeconds;
    if (waitSeconds !== undefined) world.clock.advance(waitSeconds);
    const result = await handler(event);
    if (options.crashAfter === e.action && !crashed) {
      crashed = true;
      throw stepFunctionsError('Rxdr.StepFailed', `injected: the function died after ${e.action} did its work`);
    }
    return result;
  };
  const name = options.executionName ?? `exec-${Math.random().toString(36).slice(2, 8)}`;
  const prefix = operation === 'failover' ? '' : 'Failback';
  return machine.run(input as Json, {
    context: {
      Execution: {
        Id: `arn:aws:states:${RECOVERY}:111111111111:execution:rxdr-test-${operation}:${name}`,
        Name: name,
        StartTime: world.clock.now().toISOString(),
      },
    },
    functions:
      operation === 'failover'
        ? {
            RunbooksFailoverStepsFunction: fn,
            [VALIDATOR]: async (event: Json) => (await world.invokeValidator(event)) as Json,
            [CHUNK_VALIDATOR]: (event: Json) => world.validateChunk(event),
          }
        : { RunbooksFailbackStepsFunction: fn },
    tasks: {
      ...Object.fromEntries(EVENT_WAITS[operation].map((state) => [state, awaitEvent])),
      [`${prefix}RequestApproval`]: async (taskInput, { signal }) => {
        await handler((taskInput as { Payload: Json }).Payload);
        world.clock.advance(options.approvalSeconds ?? 60);
        if (options.approval === 'abort') throw stepFunctionsError('Rxdr.Aborted', 'bob: the primary is back');
        if (options.approval === 'never')
          return new Promise((resolve) => signal.addEventListener('abort', () => resolve({})));
        return {
          approvedBy: 'arn:aws:sts::111111111111:assumed-role/oncall-lead/bob',
          ...options.approver,
          approvedAt: world.clock.now().toISOString(),
        } as Json;
      },
    },
    ...(options.aroundTask ? { aroundTask: options.aroundTask } : {}),
  });
}
