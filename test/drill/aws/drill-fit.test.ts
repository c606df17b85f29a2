import { Template } from 'aws-cdk-lib/assertions';
import {
  DEFAULT_VALIDATION_BYTES_PER_SECOND,
  describeFit,
  planDrillFit,
  stopsTheDrill,
} from '../../../engines/drill/aws/fit';
import { fleetDatabaseSchema } from '../../../engines/drill/aws/types';
import { parseEvidence } from '../../../engines/evidence/schema';
import { renderReport } from '../../../lib/report/render';
import { LocalStateMachine } from '../../helpers/local-state-machine';
import { useThrowawayCaBundle } from '../../helpers/tls-postgres';
import { databaseSpec, drillStack } from './drill-stack';
import { DrillWorld } from './harness';

// The Validate function's environment as the construct sets it: the drill builds its verified TLS config first.
useThrowawayCaBundle();

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

const database = (rtoSeconds: number, parallelism?: number, allocatedBytes?: number) =>
  fleetDatabaseSchema.parse({
    ...databaseSpec('dispensing'),
    targets: { rtoSeconds, rpoSeconds: 3600 },
    ...(parallelism ? { chunking: { parallelism, chunkBytes: 2 * GIB, maxChunks: 10_000 } } : {}),
    ...(allocatedBytes ? { allocatedBytes } : {}),
  });

describe('planDrillFit: the prediction before a drill restores anything', () => {
  test('the first drill of a database (size unknown) is not predicted', () => {
    expect(planDrillFit(database(3600), {})).toBeUndefined();
    expect(planDrillFit(database(3600), { restoreSeconds: 600, validationBytesPerSecond: MIB })).toBeUndefined();
  });

  test('a first drill with a configured allocation is predicted from defaults, and says so', () => {
    const fit = planDrillFit(database(3600, 16, 100 * GIB), {})!;
    expect(fit.basis).toBe('defaults');
    expect(fit.assumed).toEqual([
      'size: the allocated storage of 100 GiB from the configuration',
      'throughput: the default 20 MiB/s per connection',
      'restore time: not counted (no previous drill measured it)',
    ]);
    // The same figures as a prediction from a previous drill that measured that size at the default throughput.
    const measured = planDrillFit(database(3600, 16), {
      databaseBytes: 100 * GIB,
      validationBytesPerSecond: DEFAULT_VALIDATION_BYTES_PER_SECOND,
      restoreSeconds: 0,
    })!;
    expect(measured.basis).toBe('previous-drill');
    expect(measured.assumed).toEqual([]);
    expect({ ...fit, basis: '', assumed: [] }).toEqual({ ...measured, basis: '', assumed: [] });
    expect(describeFit(fit)).toMatch(
      /^predicted \d+ s at parallelism \d+ from defaults \(first drill\); assumed size: the allocated storage of 100 GiB/,
    );
  });

  test('the prediction plans chunks as the planner will: the chunk size doubles until the plan fits its cap', () => {
    const tiny = fleetDatabaseSchema.parse({
      ...databaseSpec('dispensing'),
      targets: { rtoSeconds: 4 * 3600, rpoSeconds: 3600 },
      chunking: { parallelism: 4, chunkBytes: 16 * 1024, maxChunks: 2000 },
      allocatedBytes: 50 * GIB,
    });
    // 16 KiB chunks of 50 GiB would be 3.3 million invocations; the planner caps the plan at 2000 chunks.
    const fit = planDrillFit(tiny, {})!;
    expect(fit.problems).toEqual([]);
    expect(fit.predictedSeconds).toBeLessThan(4 * 3600);
  });

  test("the previous drill's measured size wins over the configured allocation", () => {
    const fit = planDrillFit(database(3600, 4, 100 * GIB), { databaseBytes: GIB, restoreSeconds: 60 })!;
    expect(fit.basis).toBe('previous-drill');
    expect(fit.assumed).toEqual(['throughput: the default 20 MiB/s per connection']);
    expect(describeFit(fit)).toMatch(/from the previous drill's evidence; assumed throughput/);
  });

  test('a prediction from defaults that does not fit is recorded but does not stop the drill; a measured one does', () => {
    const guessed = planDrillFit(database(3600, 8, 4096 * GIB), {})!;
    expect(guessed.problems).toHaveLength(1);
    expect(stopsTheDrill(guessed)).toBe(false);
    expect(describeFit(guessed)).toMatch(/from defaults \(first drill\).*; does not fit: predicted \d+ s/);
    const measured = planDrillFit(database(3600, 8), { databaseBytes: 4096 * GIB, restoreSeconds: 0 })!;
    expect(stopsTheDrill(measured)).toBe(true);
    expect(stopsTheDrill(undefined)).toBe(false);
  });

  test('a drill that fits at the default parallelism keeps it', () => {
    const fit = planDrillFit(database(3600, 16), {
      databaseBytes: 10 * GIB,
      validationBytesPerSecond: 100 * MIB,
      restoreSeconds: 600,
    });
    expect(fit).toEqual({
      parallel: 4,
      predictedSeconds: expect.any(Number),
      problems: [],
      basis: 'previous-drill',
      assumed: [],
    });
    expect(fit!.predictedSeconds).toBeLessThanOrEqual(3600);
  });

  test('a drill that does not fit at the default raises the parallelism, the least that fits, within the maximum', () => {
    const history = { databaseBytes: 1024 * GIB, validationBytesPerSecond: 20 * MIB, restoreSeconds: 1800 };
    const fit = planDrillFit(database(3 * 3600, 32), history)!;
    expect(fit.problems).toEqual([]);
    expect(fit.parallel).toBeGreaterThan(4);
    expect(fit.parallel).toBeLessThanOrEqual(32);
    expect(fit.predictedSeconds).toBeLessThanOrEqual(3 * 3600);
    // One fewer connection would not have fitted.
    const lower = planDrillFit(database(3 * 3600, fit.parallel - 1), history)!;
    expect(lower.problems).not.toEqual([]);
  });

  test('a drill that cannot fit even at the configured maximum names the figures', () => {
    const fit = planDrillFit(database(3600, 8), { databaseBytes: 1024 * GIB, restoreSeconds: 1800 })!;
    expect(fit.parallel).toBe(8);
    expect(fit.problems).toHaveLength(1);
    expect(fit.problems[0]).toMatch(/exceeds the tier's RTO target of 3600 s/);
    expect(fit.problems[0]).toMatch(/restore 1800 s \+ validation \d+ s of 512 chunks at parallelism 8/);
  });

  test('without a measured throughput the documented default is assumed', () => {
    const history = { databaseBytes: 100 * GIB, restoreSeconds: 0 };
    const measured = planDrillFit(database(48 * 3600, 4), {
      ...history,
      validationBytesPerSecond: DEFAULT_VALIDATION_BYTES_PER_SECOND,
    });
    expect(planDrillFit(database(48 * 3600, 4), history)).toEqual({
      ...measured,
      assumed: ['throughput: the default 20 MiB/s per connection'],
    });
  });
});

/** Runs the drill of dispensing in `world` on `machine`: it succeeds, restoring one copy and deleting it. */
async function expectOneCopyRestoredAndDeleted(machine: LocalStateMachine, world: DrillWorld) {
  try {
    const run = await machine.run({ databases: ['dispensing'] }, { tasks: world.tasks() });
    expect(run.status).toBe('SUCCEEDED');
    expect(world.aws.created).toHaveLength(1);
    expect(world.aws.deleted).toEqual(world.aws.created);
  } finally {
    world.aws.restore();
  }
}

describe('drill state machine (synthesized): a drill that cannot fit its window fails before its restore', () => {
  const machine = LocalStateMachine.fromTemplate(Template.fromStack(drillStack().stack)); // RTO target 3600 s

  test('fails up front with the reason in its evidence; nothing is created, so nothing is deleted', async () => {
    // The previous drill validated 2 TiB at 20 MiB/s per connection after a 30 min restore.
    const world = new DrillWorld({
      concurrency: 5,
      history: { restoreSeconds: 1800, databaseBytes: 2048 * GIB, validationBytesPerSecond: 20 * MIB },
    });
    try {
      const run = await machine.run({ databases: ['dispensing'] }, { tasks: world.tasks() });
      expect(run.status).toBe('FAILED');
      const [doc] = world.aws.evidence as unknown as { result: string; failureReason: string; cleanup: unknown }[];
      expect(doc!.result).toBe('failed');
      expect(doc!.failureReason).toMatch(
        /^the drill of dispensing cannot fit its window, even at the configured chunk parallelism of 4: predicted \d+ s/,
      );
      expect(doc!.failureReason).toMatch(/exceeds the tier's RTO target of 3600 s; nothing was restored/);
      expect(world.aws.created).toEqual([]);
      expect(world.aws.mutations).toEqual([]);
    } finally {
      world.aws.restore();
    }
  }, 120_000);

  test('a first drill whose allocation the defaults say cannot fit still runs: a guess stops no drill', async () => {
    const huge = drillStack({
      databases: [
        databaseSpec('dispensing', { targets: { rtoSeconds: 3600, rpoSeconds: 3600 }, allocatedBytes: 4096 * GIB }),
      ],
    }).stack;
    // No previous drill.
    await expectOneCopyRestoredAndDeleted(
      LocalStateMachine.fromTemplate(Template.fromStack(huge)),
      new DrillWorld({ concurrency: 5 }),
    );
  }, 120_000);

  test('a drill predicted to fit runs as before', async () => {
    const world = new DrillWorld({
      concurrency: 5,
      history: { restoreSeconds: 1800, databaseBytes: 10 * GIB, validationBytesPerSecond: 100 * MIB },
    });
    await expectOneCopyRestoredAndDeleted(machine, world);
  }, 120_000);
});

describe('drill state machine (synthesized): the first drill of an adopted instance and of an Aurora cluster', () => {
  // No allocatedBytes: an adopted instance and a cluster, as `drillFleet` builds them without a configured size.
  const instance = databaseSpec('dispensing', { tierName: 'critical', tier: 1 });
  const cluster = databaseSpec('adjudication', {
    kind: 'cluster',
    tierName: 'critical',
    tier: 1,
    sourceArn: 'arn:aws:rds:us-east-1:111111111111:cluster:rxdr-prod-adjudication',
  });
  const machine = LocalStateMachine.fromTemplate(
    Template.fromStack(drillStack({ databases: [instance, cluster] }).stack),
  );
  type Doc = { database: string; result: string; checks: { id: string; status: string; message: string }[] };

  test("the instance is predicted from its source's AllocatedStorage; the cluster's prediction is skipped, and says why", async () => {
    const world = new DrillWorld({ concurrency: 5, restoreSeconds: 1800 }); // no previous drill
    world.aws.sources.set(instance.sourceArn, 200); // GiB, what DescribeDBInstances of the source answers
    const tasks = world.tasks();
    const plan = tasks.Plan!;
    const planned: { drills: { database: { name: string }; expect: Record<string, unknown> }[] }[] = [];
    tasks.Plan = async (event, invocation) => {
      const output = await plan(event, invocation);
      planned.push(output as unknown as (typeof planned)[number]);
      return output;
    };
    try {
      const run = await machine.run({ databases: 'all' }, { tasks });
      expect(run.status).toBe('SUCCEEDED');
      const expects = Object.fromEntries(planned[0]!.drills.map((d) => [d.database.name, d.expect]));
      expect(expects.dispensing).toEqual({
        fit: expect.objectContaining({
          basis: 'defaults',
          problems: [],
          assumed: expect.arrayContaining([
            "size: the allocated storage of 200 GiB from the source instance's AllocatedStorage (DescribeDBInstances)",
          ]),
        }),
      });
      expect(world.sourceRegions).toEqual(['us-east-1']); // the source's region, not the drill's (us-west-2)
      const reason =
        'prediction skipped: Aurora cluster storage size is not known before the first drill; ' +
        'the next drill predicts from the size and throughput this drill measures';
      expect(expects.adjudication).toEqual({ predictionSkipped: reason });

      const docs = world.aws.evidence as unknown as Doc[];
      const byName = Object.fromEntries(docs.map((d) => [d.database, d]));
      expect(byName.adjudication!.result).toBe('passed');
      expect(byName.adjudication!.checks.filter((c) => c.id === 'drill.prediction')).toEqual([
        { id: 'drill.prediction', category: 'drill', status: 'skipped', message: reason },
      ]);
      expect(byName.dispensing!.result).toBe('passed');
      expect(byName.dispensing!.checks.some((c) => c.id === 'drill.prediction')).toBe(false);
      // `rxdr report` shows it among the run's checks.
      const html = renderReport({
        documents: docs.map((d) => parseEvidence(d)),
        source: 'evidence-bucket',
        generatedAt: new Date('2026-11-02T00:00:00Z'),
        toolVersion: '0.1.0',
      });
      expect(html).toContain(reason);
      expect(html).toMatch(/<code>drill\.prediction<\/code>[\s\S]*?skipped/);
    } finally {
      world.aws.restore();
    }
  }, 120_000);
});
