import { LocalStateMachine, type LocalExecutionResult } from '../helpers/local-state-machine';
import { testRetriedTasksReachTheSameOutcome } from '../helpers/retried-tasks';
import { failedOverWorld, FakeAws, newWorld } from './fake-aws';
import { runRunbook, type Approval } from './run-runbook';
import { runbookStack } from './runbook-stack';

/**
 * Retries are idempotent: every Task with a Retry in the synthesized failover and failback state machines
 * (taken from the definition, so a new one is covered without editing this file) is run again after it
 * already succeeded, and after each of its side effects alone (the function dies right after its k-th
 * mutating AWS call took effect). Each run must reach the outcome of the undisturbed run.
 */
interface Scenario {
  readonly name: string;
  readonly world: () => FakeAws;
  readonly input: Record<string, unknown>;
  readonly approval: Approval;
}

const failoverInput = {
  database: 'dispensing',
  reason: 'us-east-1 RDS outage, pharmacies cannot fill',
  startedBy: 'arn:aws:sts::111111111111:assumed-role/oncall/alice',
};
const failbackInput = {
  database: 'dispensing',
  reason: 'us-east-1 healthy for 48 h; planned return',
  startedBy: 'arn:aws:sts::111111111111:assumed-role/oncall/alice',
};

const machines = {
  failover: LocalStateMachine.fromTemplate(runbookStack().template, { stateMachine: 'RunbooksFailover' }),
  failback: LocalStateMachine.fromTemplate(runbookStack().template, { stateMachine: 'RunbooksFailback' }),
};

const scenarios: Record<'failover' | 'failback', Scenario[]> = {
  failover: [
    { name: 'completes', world: newWorld, input: failoverInput, approval: 'approve' },
    {
      name: 'fails validation',
      world: () => Object.assign(newWorld(), { validator: { passed: false } }),
      input: failoverInput,
      approval: 'approve',
    },
    { name: 'is aborted', world: newWorld, input: failoverInput, approval: 'abort' },
  ],
  failback: [
    { name: 'completes', world: failedOverWorld, input: failbackInput, approval: 'approve' },
    {
      name: 'fails after the write freeze',
      world: () => {
        const world = failedOverWorld();
        world.inject(
          'PromoteReadReplica',
          Object.assign(new Error('not in a promotable state'), { name: 'InvalidDBInstanceStateFault' }),
          1,
        );
        return world;
      },
      input: failbackInput,
      approval: 'approve',
    },
    { name: 'is aborted', world: failedOverWorld, input: failbackInput, approval: 'abort' },
  ],
};

/** A retry takes time (the re-run approval gate waits again): when things happened may move, what happened may not. */
const timeless = (text: string) => text.replace(/\d{4}-\d\d-\d\dT\d\d[:-]\d\d[:-]\d\d([.-]\d+)?Z/g, '<time>');

/** What must not change when a step runs again: the execution's end and the account's end state. */
function outcome(world: FakeAws, run: LocalExecutionResult) {
  return JSON.parse(
    timeless(
      JSON.stringify({
        status: run.status,
        error: run.error,
        evidence: world.evidence().map((d) => ({
          result: d.result,
          status: d.runbook?.status,
          failedStep: d.failedStep,
          failureReason: d.failureReason,
        })),
        records: Object.fromEntries(world.records),
        parameters: Object.fromEntries(world.parameters),
        secret: world.secret,
        instances: [...world.instances.values()]
          .map((i) => `${i.region}/${i.id}:${i.replicaSource ?? 'standalone'}`)
          .sort(),
        recoveries:
          world.count('PromoteReadReplica') +
          world.count('RestoreDBInstanceToPointInTime') +
          world.count('CreateDBInstanceReadReplica'),
        // A notice may go out twice when its step is retried (at-least-once); each notice must go out.
        notices: [...new Set(world.published.map((p) => timeless(`${p.subject}\n${p.message}`)))].sort(),
      }),
    ),
  ) as Record<string, unknown>;
}

describe.each(['failover', 'failback'] as const)(
  '%s: every Task with a Retry reaches the same outcome when it runs again',
  (operation) => {
    const machine = machines[operation];
    const covered = new Set<string>();

    describe.each(scenarios[operation])('a run that $name', (scenario) => {
      testRetriedTasksReachTheSameOutcome({
        retriedTasks: machine.retriedTasks,
        world: scenario.world,
        execute: async (world, aroundTask) => {
          try {
            const run = await runRunbook(operation, machine, world, scenario.input, {
              approval: scenario.approval,
              executionName: 'exec-retry',
              aroundTask,
            });
            return outcome(world, run);
          } finally {
            world.restore();
          }
        },
        mutations: (world) => world.mutations,
        crash: (world) => ({ arm: (n) => world.crashAfterMutations(n), died: () => world.died() }),
        entersMoreThan: 0,
        covered,
      });
    });

    test('every Task of the runbook retries throttling and lost answers (the abort evidence step included)', () => {
      const retried = new Set(machine.retriedTasks.map((t) => t.stateName));
      expect(machine.taskStates.map((t) => t.stateName).filter((name) => !retried.has(name))).toEqual([]);
    });

    test('the scenarios enter every Task with a Retry in the definition', () => {
      expect(machine.retriedTasks.length).toBeGreaterThan(5);
      expect(machine.retriedTasks.map((t) => t.stateName).filter((name) => !covered.has(name))).toEqual([]);
    });
  },
);
