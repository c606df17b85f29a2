import { failAfterWork, type LocalRunOptions, type RetriedTask } from './local-state-machine';

type AroundTask = NonNullable<LocalRunOptions['aroundTask']>;

/** One scenario of a state machine against a fake AWS world that counts mutating calls and can kill the function. */
export interface RetriedTasksScenario<World> {
  /** The Tasks with a Retry in the synthesized definition. */
  readonly retriedTasks: readonly RetriedTask[];
  /** A fresh world for one run. */
  readonly world: () => World;
  /** One run against `world` (restoring its mocks afterwards), reduced to what must not change on a retry. */
  readonly execute: (world: World, aroundTask?: AroundTask) => Promise<Record<string, unknown>>;
  /** Mutating calls `world` made so far. */
  readonly mutations: (world: World) => number;
  /** Arms `world` to kill the function after its n-th mutating call from then, and asks whether it died. */
  readonly crash: (world: World) => { arm: (afterSideEffects: number) => void; died: () => boolean };
  /** The undisturbed run must enter more retried tasks than this. */
  readonly entersMoreThan: number;
  /** Receives the names of the retried tasks the scenario entered (for a coverage test over all scenarios). */
  readonly covered: Set<string>;
}

/**
 * Retries are idempotent: every retried task the scenario enters is run again after it already succeeded, and
 * after each of its side effects alone (the function dies right after its k-th mutating AWS call took effect).
 * Each run must reach the outcome of the undisturbed run. Defines a `beforeAll` and two tests.
 */
export function testRetriedTasksReachTheSameOutcome<World>(scenario: RetriedTasksScenario<World>): void {
  let baseline: Record<string, unknown>;
  /** Mutating calls the first call of each retried task made in the undisturbed run. */
  const sideEffects = new Map<string, number>();

  beforeAll(async () => {
    baseline = await scenario.execute(scenario.world());
    const world = scenario.world();
    await scenario.execute(world, async (invocation, proceed) => {
      const before = scenario.mutations(world);
      try {
        return await proceed();
      } finally {
        if (invocation.invocation === 1) sideEffects.set(invocation.stateName, scenario.mutations(world) - before);
      }
    });
    for (const task of scenario.retriedTasks) if (sideEffects.has(task.stateName)) scenario.covered.add(task.stateName);
  });

  const entered = (): RetriedTask[] => scenario.retriedTasks.filter((t) => sideEffects.has(t.stateName));

  test('every retried task it enters, run again after it succeeded', async () => {
    expect(entered().length).toBeGreaterThan(scenario.entersMoreThan);
    for (const task of entered()) {
      const result = await scenario.execute(scenario.world(), failAfterWork(task.stateName, task.retryableError));
      expect({ task: task.stateName, ...result }).toEqual({ task: task.stateName, ...baseline });
    }
  });

  test('every retried task it enters, dying after each of its side effects in turn', async () => {
    for (const task of entered()) {
      for (let k = 1; k <= (sideEffects.get(task.stateName) ?? 0); k++) {
        const world = scenario.world();
        const crash = { afterSideEffects: k, ...scenario.crash(world) };
        const result = await scenario.execute(world, failAfterWork(task.stateName, task.retryableError, crash));
        expect({ task: task.stateName, afterSideEffects: k, ...result }).toEqual({
          task: task.stateName,
          afterSideEffects: k,
          ...baseline,
        });
      }
    }
  });
}
