import { makeHandler } from '../../lambda/runbook-steps';
import {
  stepFunctionsError,
  type Json,
  type LocalExecutionResult,
  type LocalRunOptions,
  type LocalStateMachine,
} from '../helpers/local-state-machine';
import { RECOVERY, type FakeAws } from './fake-aws';

export type Approval = 'approve' | 'abort';

/** Which action each polling step waits on before it asks again (the virtual clock jumps by that wait). */
const WAITS: Record<string, string> = {
  'check-recovery': 'recovery',
  'check-repoint': 'repoint',
  'check-replica': 'replica',
  'check-caught-up': 'catchUp',
  'check-promoted': 'promotion',
};

/**
 * Run a synthesized runbook state machine (failover or failback) with the real handler over the fake
 * account; the approval gate is answered by the test. Polling Wait states take no real time.
 */
export function runRunbook(
  operation: 'failover' | 'failback',
  machine: LocalStateMachine,
  world: FakeAws,
  input: Record<string, unknown>,
  options: { approval?: Approval; executionName?: string; aroundTask?: LocalRunOptions['aroundTask'] } = {},
): Promise<LocalExecutionResult> {
  const handler = makeHandler(operation, world.deps());
  const fn = async (event: Json) => {
    const e = event as { action: string; state: Record<string, { waitSeconds?: number } | undefined> };
    const waited = WAITS[e.action];
    if (waited) world.clock.advance(e.state[waited]?.waitSeconds ?? 5);
    return handler(event);
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
    functions: { [operation === 'failover' ? 'RunbooksFailoverStepsFunction' : 'RunbooksFailbackStepsFunction']: fn },
    tasks: {
      [`${prefix}RequestApproval`]: async (taskInput) => {
        await handler((taskInput as { Payload: Json }).Payload);
        world.clock.advance(60);
        if (options.approval === 'abort') throw stepFunctionsError('Rxdr.Aborted', 'bob: the primary is back');
        return {
          approvedBy: 'arn:aws:sts::111111111111:assumed-role/oncall-lead/bob',
          approvedAt: world.clock.now().toISOString(),
        };
      },
    },
    ...(options.aroundTask ? { aroundTask: options.aroundTask } : {}),
  });
}
