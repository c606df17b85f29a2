import { Client } from 'pg';
import { buildManifest, silentLogger } from '../../engines/validation';
import { createRng, insertPharmacyActivity, seedDatabase } from '../../lib/seed';
import { createValidationHandler } from '../../engines/validation/handler';
import { LocalStateMachine } from '../helpers/local-state-machine';
import { dropDatabase, type TestDatabase } from '../helpers/postgres';
import { useTlsTestDatabase } from '../helpers/tls-postgres';
import { copyDatabase } from '../validation/fixture';
import { engineEvidenceChecks, isEngineCheckId } from '../drill/engine-checks';
import { FakeAws, newWorld } from './fake-aws';
import { runbookStack } from './runbook-stack';
import { outageFailoverInput, runRunbook } from './run-runbook';
import { serveRealValidator } from './real-engine';

/**
 * The failover state machine with the REAL validation engine behind its validator Lambda: the recovered
 * instance's endpoint in the fake account is a seeded local PostgreSQL database, its manifests were built
 * by the real manifest code and written as versions of `manifests/<db>.json` (the manifest job's key), and
 * the validator is `createValidationHandler` reading them and the credentials through the fake account.
 * The database server requires TLS with a certificate from the CA that `RDS_CA_BUNDLE` names, as RDS does.
 *
 * Timeline (the fake account's clock starts at 03:00): the primary is seeded up to 00:40, the manifest job
 * runs at 00:45; the nightly recovery point is taken at 01:00 (a copy of the database then); the primary
 * keeps writing until 02:20, the manifest job runs again at 02:26; for the replica, writes go on until 02:58
 * and the manifest job runs at 02:59.
 */
const at = (time: string) => new Date(`2026-03-03T${time}:00.000Z`);
const primary = useTlsTestDatabase('fo_primary');
let snapshot: TestDatabase; // the recovery point of 01:00
let replica: TestDatabase; // the replica, up to 02:58
const manifests: Record<string, { cutoff: string; written: string; body: string }[]> = {};

async function writeActivity(db: TestDatabase, seed: number, from: Date, count: number): Promise<void> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const rng = createRng(seed);
    for (let i = 0; i < count; i++)
      await insertPharmacyActivity(client, rng, { now: new Date(from.getTime() + i * 60_000) });
  } finally {
    await client.end();
  }
}

async function manifestOf(db: TestDatabase, cutoff: string, written: string) {
  return { cutoff, written, body: JSON.stringify(await buildManifest({ url: db.url, cutoff: at(cutoff) })) };
}

beforeAll(async () => {
  await seedDatabase({ url: primary().url, prescriptions: 150, seed: 21, endTime: at('00:40'), historyDays: 5 });
  const nightly = await manifestOf(primary(), '00:40', '00:45');
  snapshot = await copyDatabase(primary(), 'fo_snapshot');
  await writeActivity(primary(), 22, at('02:00'), 15);
  const afterNoon = await manifestOf(primary(), '02:25', '02:26');
  replica = await copyDatabase(primary(), 'fo_replica');
  await writeActivity(replica, 23, at('02:50'), 8);
  manifests.analytics = [nightly, afterNoon];
  manifests.inventory = [nightly, afterNoon];
  manifests.dispensing = [nightly, afterNoon, await manifestOf(replica, '02:58', '02:59')];
}, 120_000);

afterAll(async () => {
  for (const db of [snapshot, replica]) if (db) await dropDatabase(db.name);
});

let machine: LocalStateMachine;
beforeAll(() => {
  machine = LocalStateMachine.fromTemplate(runbookStack().template, { stateMachine: 'RunbooksFailover' });
});

/** A fake account whose recovered instance `instance` is the local database `served`. */
function worldServing(database: string, instance: string, served: TestDatabase): FakeAws {
  const world = newWorld(database);
  for (const m of manifests[database]!) world.putObject(`manifests/${database}.json`, m.body, at(m.written));
  world.serveDatabase(instance, served);
  serveRealValidator(world);
  return world;
}

async function failover(world: FakeAws, database: string) {
  return runRunbook('failover', machine, world, outageFailoverInput(database), { executionName: `real-${database}` });
}

describe('failover with the real validation engine on real PostgreSQL', () => {
  let world: FakeAws;
  afterEach(() => world.restore());

  test.each([
    ['dispensing', 'promote-replica', 'dispensing-prod-replica', () => replica, 'v4'],
    ['inventory', 'point-in-time', 'inventory-prod-dr', () => primary(), 'v3'],
    ['analytics', 'latest-backup', 'analytics-prod-dr', () => snapshot, 'v2'],
  ] as const)(
    '%s (%s): validated against the manifest taken before the recovery point, then repointed',
    async (database, strategy, instance, served, version) => {
      world = worldServing(database, instance, served());
      const run = await failover(world, database);
      expect(run.status).toBe('SUCCEEDED');
      const [doc] = world.evidence();
      expect(doc).toMatchObject({ result: 'passed', runbook: { strategy, status: 'completed' } });
      expect(world.validatorRequests[0]!.manifest).toMatchObject({
        key: `manifests/${database}.json`,
        versionId: version,
      });
      // Every check the engine ran is in the evidence, under the id the engine gave it.
      const ids = doc!.checks.filter((c) => c.category === 'generic' || c.category === 'pharmacy').map((c) => c.id);
      expect(ids.every(isEngineCheckId)).toBe(true);
      // The stand-in validator of the other failover tests answers exactly these ids.
      expect(ids.sort()).toEqual(
        engineEvidenceChecks({ passed: true })
          .map((c) => c.id)
          .sort(),
      );
      expect(world.records.get(`${database}.db.rx.internal.`)).toBe(world.endpointOf(instance));
    },
  );

  test('latest-backup: a recovery point older than the newest manifest still validates (the newest manifest would fail it)', async () => {
    world = worldServing('analytics', 'analytics-prod-dr', snapshot);
    const run = await failover(world, 'analytics');
    expect(run.status).toBe('SUCCEEDED');
    expect(world.validatorRequests[0]!.manifest.versionId).toBe('v2');
    // The same copy against the newest manifest fails: the choice is what makes it pass.
    const newest = await createValidationHandler({
      s3: world.clients.s3,
      secrets: world.clients.secrets,
      clock: { now: world.clock.now },
      logger: silentLogger,
    })({
      ...world.validatorRequests[0]!,
      manifest: { bucket: 'evidence', key: 'manifests/analytics.json', versionId: 'v3' },
      report: undefined,
      chunks: undefined, // the whole database at once, against v3
    });
    expect(newest.passed).toBe(false);
  });

  test('a copy that does not match its recovery point fails validation: failed evidence is written, nothing is repointed', async () => {
    world = worldServing('analytics', 'analytics-prod-dr', primary());
    // The served database is the primary of 02:20: a recovery point of 01:00 cannot hold its later rows,
    // so its audit head is newer than the recovery point.
    const before = world.records.get('analytics.db.rx.internal.');
    const run = await failover(world, 'analytics');
    expect(run.status).toBe('FAILED');
    expect(world.evidence()[0]).toMatchObject({ result: 'failed', failedStep: 'validate', achievedRpoSeconds: 0 });
    expect(world.evidence()[0]!.checks.find((c) => c.id === 'audit-chain')).toMatchObject({ status: 'failed' });
    expect(world.records.get('analytics.db.rx.internal.')).toBe(before);
  });
});
