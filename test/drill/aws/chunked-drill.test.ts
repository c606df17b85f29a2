import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/util-stream';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { planDrillFit } from '../../../engines/drill/aws/fit';
import { evidenceHistory, type Expectation } from '../../../engines/drill/aws/plan';
import { fleetDatabaseSchema } from '../../../engines/drill/aws/types';
import { predictValidation } from '../../../engines/validation/chunks/predict';
import { Template } from 'aws-cdk-lib/assertions';
import { manifestKey } from '../../../engines/common/manifest-key';
import { evidenceCheckOf } from '../../../engines/evidence/validation-check';
import { buildManifest, Manifest, validateDatabase } from '../../../engines/validation';
import { seedDatabase } from '../../../lib/seed';
import { failAfterWork, LocalStateMachine, type TaskInvocation } from '../../helpers/local-state-machine';
import { dropDatabase, type TestDatabase } from '../../helpers/postgres';
import { useTlsTestDatabase } from '../../helpers/tls-postgres';
import { copyDatabase, corrupt } from '../../validation/fixture';
import { databaseSpec, drillStack } from './drill-stack';
import { DrillWorld } from './harness';

/**
 * The SYNTHESIZED drill state machine validating a restored copy in chunks: PlanChunks, the ValidateChunks
 * Map and Validate run the real step code (the Lambdas' own functions) against real PostgreSQL over
 * verified TLS, with the chunk plan and verdicts in the (fake) evidence bucket. With chunks of 16 KiB the
 * reference schema plans into over a hundred chunks; the evidence must equal what the unchunked engine
 * reports for the same copy and manifest.
 */
const TINY = 16 * 1024;
const RECOVERY_POINT = new Date('2026-10-31T05:00:00Z'); // the fake AWS's snapshot recovery point
const primary = useTlsTestDatabase('chunk_drill');
let snapshot: TestDatabase;
let manifest: Manifest;
const copies: TestDatabase[] = [];

beforeAll(async () => {
  await seedDatabase({
    url: primary().url,
    prescriptions: 900,
    seed: 7,
    endTime: new Date('2026-10-31T04:00:00Z'),
    historyDays: 60,
  });
  manifest = await buildManifest({ url: primary().url, cutoff: new Date('2026-10-31T04:58:30Z') });
  snapshot = await copyDatabase(primary(), 'chunk_drill_snapshot');
}, 300_000);

afterAll(async () => {
  for (const db of [snapshot, ...copies]) if (db) await dropDatabase(db.name);
});

const machine = LocalStateMachine.fromTemplate(
  Template.fromStack(
    drillStack({
      databases: [
        databaseSpec('dispensing', {
          tierName: 'critical',
          tier: 1,
          // The seeded data ends an hour before the recovery point.
          targets: { rtoSeconds: 4 * 3600, rpoSeconds: 2 * 3600 },
          chunking: { chunkBytes: TINY, parallelism: 4 },
          // A first drill predicts from the configured allocation (nothing earlier to learn from).
          allocatedBytes: 50 * 1024 ** 3,
        }),
      ],
    }).stack,
  ),
);

function worldServing(served: TestDatabase, history?: Expectation): DrillWorld {
  const world = new DrillWorld({ concurrency: 5, history });
  world.aws.serveDatabase(served);
  world.aws.manifests.set(manifestKey('dispensing'), [
    { id: 'v1', body: JSON.stringify(manifest), written: new Date('2026-10-31T04:59:00Z') },
  ]);
  world.engine = { s3: new S3Client({}), bucket: 'evidence-bucket' };
  return world;
}

interface Doc {
  result: string;
  failureReason?: string;
  checks: { id: string; category: string; status: string; message: string; details?: Record<string, unknown> }[];
}

/** The engine's checks of an evidence document, without their times. */
function engineChecks(checks: Doc['checks']) {
  return checks
    .filter((c) => c.category === 'generic' || c.category === 'pharmacy')
    .map(({ id, status, message }) => ({ id, status, message: message.replace(/\d+ ms/g, '… ms') }));
}

/** What the unchunked engine reports for `served`, as evidence checks. */
async function unchunkedChecks(served: TestDatabase) {
  const report = await validateDatabase({ url: served.url, manifest, recoveryPointTime: RECOVERY_POINT });
  return { passed: report.passed, checks: engineChecks(report.checks.map(evidenceCheckOf) as Doc['checks']) };
}

/** Runs the drill; counts ValidateChunk invocations per chunk id. */
async function drill(
  served: TestDatabase,
  around?: Parameters<typeof failAfterWork>[0],
  options: { history?: Expectation; on?: LocalStateMachine } = {},
) {
  const world = worldServing(served, options.history);
  const calls = new Map<number, number>();
  const disturb = around ? failAfterWork(around, 'Lambda.Unknown') : undefined;
  try {
    const run = await (options.on ?? machine).run(
      { databases: ['dispensing'] },
      {
        tasks: world.tasks(),
        aroundTask: (invocation: TaskInvocation, proceed) => {
          if (invocation.stateName === 'ValidateChunk') {
            const id = (invocation.taskInput as { chunk: number }).chunk;
            calls.set(id, (calls.get(id) ?? 0) + 1);
          }
          return disturb ? disturb(invocation, proceed) : proceed();
        },
      },
    );
    const [doc] = world.aws.evidence as unknown as Doc[];
    return { run, doc: doc!, calls, world };
  } finally {
    world.aws.restore();
  }
}

const chunksCheck = (doc: Doc) => doc.checks.find((c) => c.id === 'validation-chunks');

/**
 * The snapshot is never written to: the plain drill of it (no fault, no history) and the unchunked engine's verdict
 * on it are the same for every test that needs them, so each runs once per file (a chunked drill takes seconds).
 */
function shared<T>(work: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= work());
}
const plainDrillOfSnapshot = shared(() => drill(snapshot));
const unchunkedChecksOfSnapshot = shared(() => unchunkedChecks(snapshot));

describe('drill state machine: chunked validation on real PostgreSQL', () => {
  test('over a hundred chunks, each validated once, parallelism from the config; evidence equals the unchunked engine', async () => {
    const { run, doc, calls } = await plainDrillOfSnapshot();
    expect(doc.failureReason).toBeUndefined();
    expect(run.status).toBe('SUCCEEDED');
    expect(doc.result).toBe('passed');
    const planned = chunksCheck(doc)?.details as { planned: number; parallel: number; mismatched: string[] };
    expect(planned.planned).toBeGreaterThanOrEqual(100);
    expect(planned.parallel).toBe(4);
    expect(calls.size).toBe(planned.planned);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    // The first drill's prediction, from defaults, is in its evidence and says so.
    expect(chunksCheck(doc)?.message).toMatch(
      /; predicted \d+ s at parallelism 4 from defaults \(first drill\); assumed size: the allocated storage of 50 GiB/,
    );
    expect(chunksCheck(doc)?.details?.prediction).toMatchObject({ basis: 'defaults', parallel: 4, problems: [] });
    const unchunked = await unchunkedChecksOfSnapshot();
    expect(unchunked.passed).toBe(true);
    expect(engineChecks(doc.checks)).toEqual(unchunked.checks);
  }, 300_000);

  test('a chunk whose answer is lost after it succeeded is redone alone, and the result does not change', async () => {
    const { run, doc, calls } = await drill(snapshot, 'ValidateChunk');
    expect(run.status).toBe('SUCCEEDED');
    expect(doc.result).toBe('passed');
    expect([...calls.values()].filter((n) => n === 2)).toHaveLength(1);
    expect([...calls.values()].filter((n) => n !== 1 && n !== 2)).toHaveLength(0);
    expect(engineChecks(doc.checks)).toEqual((await unchunkedChecksOfSnapshot()).checks);
  }, 300_000);

  test('a corrupted row fails the drill like the unchunked engine, localized to the chunk holding its key', async () => {
    const copy = await copyDatabase(primary(), 'chunk_drill_bad'); // the snapshot's data, on the TLS server
    copies.push(copy);
    await corrupt(copy, "UPDATE pharmacy.patient SET last_name = 'Changed' WHERE patient_id = 17");
    const { run, doc, world } = await drill(copy);
    expect(run.status).toBe('FAILED');
    expect(doc.result).toBe('failed');
    const unchunked = await unchunkedChecks(copy);
    expect(unchunked.passed).toBe(false);
    expect(engineChecks(doc.checks)).toEqual(unchunked.checks);
    const { mismatched } = chunksCheck(doc)?.details as { mismatched: string[] };
    expect(mismatched).toHaveLength(1);
    const [low, high] = mismatched[0]!.replace(/^pharmacy\.patient patient_id /, '').split('..');
    expect(Number(low === '…' ? -Infinity : low)).toBeLessThanOrEqual(17);
    expect(high === '…' || Number(high) >= 17).toBe(true);
    expect(world.aws.deleted).toEqual(world.aws.created);
  }, 300_000);
});

describe('drill state machine: the prediction before the restore raises the chunk parallelism', () => {
  const spec = databaseSpec('dispensing', {
    tierName: 'critical',
    tier: 1,
    targets: { rtoSeconds: 4 * 3600, rpoSeconds: 2 * 3600 },
    chunking: { chunkBytes: TINY, parallelism: 12 },
  });
  const wide = LocalStateMachine.fromTemplate(Template.fromStack(drillStack({ databases: [spec] }).stack));

  test("the previous drill's evidence gives size and throughput; a window the default misses runs more chunks at once", async () => {
    const first = await plainDrillOfSnapshot();
    expect(first.doc.result).toBe('passed');
    // The harness's clock does not move while the real engine validates: say the validation took 10 s.
    const t = (first.doc as unknown as { timestamps: Record<string, string> }).timestamps;
    const validated = new Date(Date.parse(t.available!) + 10_000).toISOString();
    const previous = { ...first.doc, timestamps: { ...t, validated } };
    // The next drill's Plan reads that evidence back from the bucket.
    const s3 = mockClient(S3Client);
    let history: Expectation;
    try {
      s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'previous/dispensing/2026-10-31T05-drill-x' }] });
      s3.on(GetObjectCommand).resolves({
        Body: sdkStreamMixin(Readable.from([JSON.stringify(previous)])),
      } as never);
      history = await evidenceHistory(new S3Client({}), 'evidence-bucket')('test', 'dispensing');
    } finally {
      s3.restore();
    }
    const planned = chunksCheck(first.doc)?.details as { bytes: number; parallel: number };
    expect(planned.bytes).toBeGreaterThan(0);
    expect(history.databaseBytes).toBe(planned.bytes);
    expect(history.validationBytesPerSecond).toBeCloseTo(planned.bytes / 10 / planned.parallel);

    // A restore that leaves the validation less time than it needs at the default 4 connections, but enough at 8.
    const assumptions = { hashBytesPerSecond: history.validationBytesPerSecond!, chunkBytes: TINY };
    const atEight = predictValidation(history.databaseBytes!, 8, assumptions).wallSeconds;
    expect(predictValidation(history.databaseBytes!, 4, assumptions).wallSeconds).toBeGreaterThan(atEight);
    const restoreSeconds = 4 * 3600 - atEight;
    const expected = planDrillFit(
      fleetDatabaseSchema.parse({ ...spec, chunking: { ...spec.chunking, maxChunks: 10_000 } }),
      { ...history, restoreSeconds },
    )!;
    expect(expected.problems).toEqual([]);
    expect(expected.parallel).toBeGreaterThan(4);
    expect(expected.parallel).toBeLessThanOrEqual(8);

    const { run, doc, calls } = await drill(snapshot, undefined, { history: { ...history, restoreSeconds }, on: wide });
    expect(run.status).toBe('SUCCEEDED');
    expect(doc.result).toBe('passed');
    const chunks = chunksCheck(doc)?.details as { planned: number; parallel: number };
    expect(chunks.parallel).toBe(expected.parallel);
    expect(calls.size).toBe(chunks.planned);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
  }, 300_000);
});
