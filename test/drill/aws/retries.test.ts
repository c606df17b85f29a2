import { LocalStateMachine, type LocalExecutionResult } from '../../helpers/local-state-machine';
import { testRetriedTasksReachTheSameOutcome } from '../../helpers/retried-tasks';
import { criticalDispensing, drillMachine } from './drill-stack';
import { DrillWorld } from './harness';
import { useThrowawayCaBundle } from '../../helpers/tls-postgres';

// The Validate function's environment as the construct sets it: the drill builds its verified TLS config first.
useThrowawayCaBundle();

/**
 * Retries are idempotent: every Task with a Retry in the synthesized drill state machine (taken from the
 * definition) is run again after it already succeeded, and after each of its side effects alone (the
 * function dies right after its k-th mutating AWS call took effect). Each run must reach the outcome of the
 * undisturbed run.
 */
const snapshotMachine = drillMachine();
const pitrMachine = drillMachine({ databases: [criticalDispensing({ source: 'point-in-time' })] });

interface Scenario {
  readonly name: string;
  readonly machine: LocalStateMachine;
  readonly world: () => DrillWorld;
}

const scenarios: Scenario[] = [
  { name: 'passes (snapshot restore)', machine: snapshotMachine, world: () => new DrillWorld({ concurrency: 5 }) },
  {
    name: 'passes (point-in-time restore)',
    machine: pitrMachine,
    world: () => new DrillWorld({ concurrency: 5, pointInTime: ['dispensing'] }),
  },
  {
    name: 'fails validation',
    machine: snapshotMachine,
    world: () => Object.assign(new DrillWorld({ concurrency: 5 }), { validatorResult: { passed: false, rpo: 120 } }),
  },
];

const timeless = (text: string) => text.replace(/\d{4}-\d\d-\d\dT\d\d[:-]\d\d[:-]\d\d([.-]\d+)?Z/g, '<time>');

/** What must not change when a step runs again. */
function outcome(world: DrillWorld, run: LocalExecutionResult) {
  const evidence = [...world.aws.objects.values()].map(
    (body) =>
      JSON.parse(body) as { database: string; result: string; failureReason?: string; cleanup: { status: string } },
  );
  return JSON.parse(
    timeless(
      JSON.stringify({
        status: run.status,
        error: run.error,
        evidence: evidence.map((d) => ({
          database: d.database,
          result: d.result,
          failureReason: d.failureReason,
          cleanup: d.cleanup.status,
        })),
        created: world.aws.created.length,
        leftBehind: world.aws.created.filter((id) => !world.aws.deleted.includes(id)),
        reportedToBackup: [...new Set(world.aws.validationResults.map((r) => r.ValidationStatus))],
        notices: [...new Set(world.aws.published.map((p) => p.Subject))],
      }),
    ),
  ) as Record<string, unknown>;
}

describe('drill: every Task with a Retry reaches the same outcome when it runs again', () => {
  const covered = new Set<string>();
  afterEach(() => jest.restoreAllMocks());

  describe.each(scenarios)('a drill that $name', (scenario) => {
    testRetriedTasksReachTheSameOutcome({
      retriedTasks: scenario.machine.retriedTasks,
      world: scenario.world,
      execute: async (world, aroundTask) => {
        try {
          const run = await scenario.machine.run(
            { databases: ['dispensing'] },
            { tasks: world.tasks(), ...(aroundTask ? { aroundTask } : {}) },
          );
          return outcome(world, run);
        } finally {
          world.aws.restore();
        }
      },
      mutations: (world) => world.aws.mutatingCalls,
      crash: (world) => ({ arm: (n) => world.aws.crashAfterMutations(n), died: () => world.aws.died() }),
      entersMoreThan: 5,
      covered,
    });
  });

  test('the scenarios enter every Task with a Retry in the definition', () => {
    const all = new Set([...snapshotMachine.retriedTasks, ...pitrMachine.retriedTasks].map((t) => t.stateName));
    // A chunk runs only against a real database: its retry after success is proven in chunked-drill.test.ts.
    const provenOnRealPostgres = new Set(['ValidateChunk']);
    expect([...all].filter((name) => !covered.has(name) && !provenOnRealPostgres.has(name))).toEqual([]);
  });
});
