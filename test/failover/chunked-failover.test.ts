import { buildManifest, Manifest, validateDatabase } from '../../engines/validation';
import { evidenceCheckOf } from '../../engines/evidence/validation-check';
import type { EvidenceDocument } from '../../engines/evidence/schema';
import { seedDatabase } from '../../lib/seed';
import {
  failAfterWork,
  LocalStateMachine,
  stepFunctionsError,
  type LocalRunOptions,
  type TaskInvocation,
} from '../helpers/local-state-machine';
import { dropDatabase, type TestDatabase } from '../helpers/postgres';
import { useTlsTestDatabase } from '../helpers/tls-postgres';
import { copyDatabase, corrupt } from '../validation/fixture';
import { FakeAws, newWorld, TEST_CATALOG } from './fake-aws';
import { serveRealValidator } from './real-engine';
import { runbookStack } from './runbook-stack';
import { outageFailoverInput, runRunbook } from './run-runbook';
import { VALIDATOR_TASK_RETRIES } from '../../lib/constructs/failover/validator-tasks';

/**
 * The SYNTHESIZED failover state machine validating the promoted replica in chunks: PrepareValidation (the
 * runbook step writes the validator's requests), PlanChunks (the validator plans, a state of its own), the
 * ValidateChunks Map (one invocation of the chunk validator per chunk), Validate (the whole-table step on the
 * validator, a state of its own with its own timeout and retry) and RecordValidation (the runbook step turns the
 * report into evidence checks) run the real step code and the real validation engine against real
 * PostgreSQL over verified TLS, with the plan and the verdicts in the fake account's evidence bucket. With
 * chunks of 8 KiB the reference schema plans into more than a hundred chunks; the failover evidence must
 * equal what the unchunked engine reports for the same database, manifest and recovery point.
 */
const TINY = 8 * 1024;
const at = (time: string) => new Date(`2026-03-03T${time}:00.000Z`);
const replica = useTlsTestDatabase('fo_chunks');
let manifest: Manifest;
const copies: TestDatabase[] = [];

beforeAll(async () => {
  await seedDatabase({ url: replica().url, prescriptions: 300, seed: 31, endTime: at('02:57'), historyDays: 5 });
  manifest = await buildManifest({ url: replica().url, cutoff: at('02:58') });
}, 120_000);

afterAll(async () => {
  for (const db of copies) await dropDatabase(db.name);
});

let machine: LocalStateMachine;
beforeAll(() => {
  machine = LocalStateMachine.fromTemplate(runbookStack().template, { stateMachine: 'RunbooksFailover' });
});

/** The runbook catalog with tiny chunks for "dispensing", 4 at a time (its `validation` settings). */
const CATALOG = {
  ...TEST_CATALOG,
  databases: TEST_CATALOG.databases.map((d) =>
    d.name === 'dispensing' ? { ...d, chunking: { chunkBytes: TINY, parallelism: 4 } } : d,
  ),
};

/** A fake account whose promoted replica is the local database `served`, with the real validator behind it. */
function worldServing(served: TestDatabase): FakeAws {
  const world = newWorld('dispensing', CATALOG);
  world.putObject('manifests/dispensing.json', JSON.stringify(manifest), at('02:59'));
  world.serveDatabase('dispensing-prod-replica', served);
  serveRealValidator(world);
  return world;
}

/** Runs the failover; counts ValidateChunk invocations per chunk id. */
async function failover(served: TestDatabase, around?: LocalRunOptions['aroundTask']) {
  const world = worldServing(served);
  const calls = new Map<number, number>();
  try {
    const run = await runRunbook('failover', machine, world, outageFailoverInput(), {
      executionName: 'chunked',
      aroundTask: (invocation: TaskInvocation, proceed) => {
        if (invocation.stateName === 'ValidateChunk') {
          const id = (invocation.taskInput as { chunk: number }).chunk;
          calls.set(id, (calls.get(id) ?? 0) + 1);
        }
        return around ? around(invocation, proceed) : proceed();
      },
    });
    return { run, doc: world.evidence()[0] as EvidenceDocument, calls, world };
  } finally {
    world.restore();
  }
}

type Check = EvidenceDocument['checks'][number];

/** The engine's checks of an evidence document, without their times. */
function engineChecks(checks: readonly Check[]) {
  return checks
    .filter((c) => c.category === 'generic' || c.category === 'pharmacy')
    .map(({ id, status, message }) => ({ id, status, message: message.replace(/\d+ ms/g, '… ms') }));
}

/** What the unchunked engine reports for `served`, with the failover's recovery point and RPO target. */
async function unchunked(served: TestDatabase, world: FakeAws) {
  const request = world.validatorRequests[0]!;
  const report = await validateDatabase({
    url: served.url,
    manifest,
    recoveryPointTime: new Date(request.recoveryPointTime!),
    rpoTargetSeconds: request.rpoTargetSeconds,
  });
  return { passed: report.passed, checks: engineChecks(report.checks.map(evidenceCheckOf)) };
}

const chunksOf = (doc: EvidenceDocument) =>
  doc.checks.find((c) => c.id === 'validation-chunks')?.details as {
    planned: number;
    parallel: number;
    mismatched: string[];
    prefix: string;
  };

describe('failover state machine: chunked validation on real PostgreSQL', () => {
  test('over a hundred chunks, each validated once, 4 at a time; the evidence equals the unchunked engine', async () => {
    const { run, doc, calls, world } = await failover(replica());
    expect(run.status).toBe('SUCCEEDED');
    expect(doc.result).toBe('passed');
    const chunks = chunksOf(doc);
    expect(chunks.planned).toBeGreaterThanOrEqual(100);
    expect(chunks.parallel).toBe(4);
    expect(chunks.prefix).toBe('validation-chunks/test/failover/chunked/dispensing/');
    expect(calls.size).toBe(chunks.planned);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    // The plan, the whole-table step and every chunk compare with the one manifest version chosen first.
    expect(world.chunkPlanRequests).toHaveLength(1);
    expect(world.validatorRequests[0]!.manifest.versionId).toBe(world.chunkPlanRequests[0]!.manifest.versionId);
    const reference = await unchunked(replica(), world);
    expect(reference.passed).toBe(true);
    expect(engineChecks(doc.checks)).toEqual(reference.checks);
    expect(world.records.get('dispensing.db.rx.internal.')).toBe(world.endpointOf('dispensing-prod-replica'));
  }, 60_000);

  test('a throttled chunk and a timed-out chunk are each redone alone; a chunk redone after success counts once', async () => {
    const disturbed = new Map([
      [3, 'Lambda.TooManyRequestsException'],
      [40, 'Sandbox.Timedout'],
    ]);
    const lostAnswer = failAfterWork('ValidateChunk', 'Lambda.Unknown');
    const { run, doc, calls, world } = await failover(replica(), (invocation, proceed) => {
      const id = (invocation.taskInput as { chunk: number }).chunk;
      const error = invocation.stateName === 'ValidateChunk' ? disturbed.get(id) : undefined;
      if (error) {
        disturbed.delete(id);
        return Promise.reject(stepFunctionsError(error, `injected: chunk ${id} ${error}`));
      }
      // The first other chunk does its work (its verdict is stored), then its answer is lost.
      return invocation.stateName === 'ValidateChunk' && id !== 3 && id !== 40
        ? lostAnswer(invocation, proceed)
        : proceed();
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(doc.result).toBe('passed');
    expect(calls.get(3)).toBe(2);
    expect(calls.get(40)).toBe(2);
    const redone = [...calls.entries()].filter(([id, n]) => n === 2 && id !== 3 && id !== 40);
    expect(redone).toHaveLength(1);
    expect([...calls.entries()].filter(([id, n]) => n !== 1 && ![3, 40, redone[0]![0]].includes(id))).toEqual([]);
    expect(run.retries.ValidateChunk).toBe(3);
    expect(engineChecks(doc.checks)).toEqual((await unchunked(replica(), world)).checks);
  }, 60_000);

  test('a changed row fails the failover like the unchunked engine, localized to the chunk of its key; nothing is repointed', async () => {
    const copy = await copyDatabase(replica(), 'fo_chunks_bad');
    copies.push(copy);
    await corrupt(copy, "UPDATE pharmacy.patient SET last_name = 'Changed' WHERE patient_id = 17");
    const { run, doc, world } = await failover(copy);
    expect(run.status).toBe('FAILED');
    expect(doc).toMatchObject({ result: 'failed', failedStep: 'validate' });
    const reference = await unchunked(copy, world);
    expect(reference.passed).toBe(false);
    expect(engineChecks(doc.checks)).toEqual(reference.checks);
    const { mismatched } = chunksOf(doc);
    expect(mismatched).toHaveLength(1);
    const [low, high] = mismatched[0]!.replace(/^pharmacy\.patient patient_id /, '').split('..');
    expect(Number(low === '…' ? -Infinity : low)).toBeLessThanOrEqual(17);
    expect(high === '…' || Number(high) >= 17).toBe(true);
    expect(world.records.get('dispensing.db.rx.internal.')).not.toBe(world.endpointOf('dispensing-prod-replica'));
  }, 60_000);
  test('a whole-table step that times out once is redone alone (no chunk, no plan again); the evidence is unchanged', async () => {
    // Its first attempt does the work (the report is written), then Step Functions gives up on it.
    const timedOut = failAfterWork('Validate', 'States.Timeout');
    const { run, doc, calls, world } = await failover(replica(), timedOut);
    expect(run.status).toBe('SUCCEEDED');
    expect(doc.result).toBe('passed');
    expect(run.retries.Validate).toBe(1);
    expect(run.taskInvocations.Validate).toBe(2);
    expect(world.validatorRequests).toHaveLength(2);
    expect(world.validatorRequests[1]).toEqual(world.validatorRequests[0]);
    for (const once of ['PrepareValidation', 'PlanChunks', 'RecordValidation'])
      expect([once, run.taskInvocations[once]]).toEqual([once, 1]);
    expect(world.chunkPlanRequests).toHaveLength(1);
    expect([...calls.values()].every((n) => n === 1)).toBe(true);
    expect(calls.size).toBe(chunksOf(doc).planned);
    expect(engineChecks(doc.checks)).toEqual((await unchunked(replica(), world)).checks);
    expect(world.evidence()).toHaveLength(1);
    expect(world.records.get('dispensing.db.rx.internal.')).toBe(world.endpointOf('dispensing-prod-replica'));
  }, 60_000);

  test('a whole-table step that keeps timing out fails the failover with one failed evidence document; nothing is repointed', async () => {
    const { run, doc, world } = await failover(replica(), (invocation, proceed) =>
      invocation.stateName === 'Validate'
        ? Promise.reject(stepFunctionsError('Sandbox.Timedout', 'Task timed out after 600.00 seconds'))
        : proceed(),
    );
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('Rxdr.FailoverFailed');
    // The first attempt and its retries, then the failure path; the chunks were not redone.
    expect(run.taskInvocations.Validate).toBe(1 + VALIDATOR_TASK_RETRIES);
    expect(run.taskInvocations.RecordValidation ?? 0).toBe(0);
    expect(run.taskInvocations.RecordFailure).toBe(1);
    expect(world.evidence()).toHaveLength(1);
    expect(doc).toMatchObject({ result: 'failed', failedStep: 'validate' });
    expect(doc.failureReason).toMatch(/Sandbox.Timedout|timed out/);
    expect(world.records.get('dispensing.db.rx.internal.')).not.toBe(world.endpointOf('dispensing-prod-replica'));
    expect(world.count('ChangeResourceRecordSets') + world.count('PutSecretValue')).toBe(0);
  }, 60_000);
});
