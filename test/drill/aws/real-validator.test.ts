import { S3Client } from '@aws-sdk/client-s3';
import { Client } from 'pg';
import { manifestKey } from '../../../engines/common/manifest-key';
import { buildManifest } from '../../../engines/validation';
import { createRng, insertPharmacyActivity, seedDatabase } from '../../../lib/seed';
import { dropDatabase, type TestDatabase } from '../../helpers/postgres';
import { useTlsTestDatabase } from '../../helpers/tls-postgres';
import { copyDatabase } from '../../validation/fixture';
import { engineEvidenceChecks } from '../engine-checks';
import { criticalDispensing, drillMachine } from './drill-stack';
import { DrillWorld } from './harness';

/**
 * The drill state machine with the REAL validation engine in its Validate task: the restored instance's
 * endpoint in the fake account is a seeded local PostgreSQL database, its manifests are built by the real
 * manifest code and kept as versions of `manifests/<db>.json`, and the Validate task runs the drill's own
 * `engineValidator` (manifest choice included) with the connection the real provider builds: verified TLS to
 * a TLS-only server whose certificate comes from the CA that `RDS_CA_BUNDLE` names, as in the Lambda.
 *
 * Timeline: the primary is written until 31 Oct 04:58 (manifest at 04:59); the snapshot recovery point is
 * 31 Oct 05:00 (a copy of the database then); writes go on until 1 Nov 05:53 (manifest at 05:54); the
 * latest restorable time is 1 Nov 05:55.
 */
const primary = useTlsTestDatabase('drill_primary');
let snapshot: TestDatabase;
const versions: { id: string; body: string; written: Date }[] = [];

async function writeActivity(db: TestDatabase, seed: number, from: string, count: number): Promise<void> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const rng = createRng(seed);
    for (let i = 0; i < count; i++)
      await insertPharmacyActivity(client, rng, { now: new Date(Date.parse(from) + i * 60_000) });
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await seedDatabase({
    url: primary().url,
    prescriptions: 150,
    seed: 31,
    endTime: new Date('2026-10-31T04:00:00Z'),
    historyDays: 5,
  });
  await writeActivity(primary(), 32, '2026-10-31T04:55:00Z', 4);
  versions.push({
    id: 'v1',
    body: JSON.stringify(await buildManifest({ url: primary().url, cutoff: new Date('2026-10-31T04:58:30Z') })),
    written: new Date('2026-10-31T04:59:00Z'),
  });
  snapshot = await copyDatabase(primary(), 'drill_snapshot');
  await writeActivity(primary(), 33, '2026-11-01T05:50:00Z', 4);
  versions.push({
    id: 'v2',
    body: JSON.stringify(await buildManifest({ url: primary().url, cutoff: new Date('2026-11-01T05:53:30Z') })),
    written: new Date('2026-11-01T05:54:00Z'),
  });
}, 120_000);

afterAll(async () => {
  if (snapshot) await dropDatabase(snapshot.name);
});

const snapshotMachine = drillMachine();
const pitrMachine = drillMachine({ databases: [criticalDispensing({ source: 'point-in-time' })] });

/** A drill world whose restored instance is the local database `served`, validated by the real engine. */
function worldServing(served: TestDatabase, options: { pointInTime?: readonly string[] } = {}): DrillWorld {
  const world = new DrillWorld({ concurrency: 5, ...options });
  world.aws.serveDatabase(served);
  world.aws.manifests.set(manifestKey('dispensing'), versions);
  world.engine = { s3: new S3Client({}), bucket: 'evidence-bucket' };
  return world;
}

function evidenceOf(world: DrillWorld) {
  return world.aws.evidence as {
    result: string;
    failureReason?: string;
    achievedRpoSeconds?: number;
    checks: { id: string; category: string; status: string }[];
  }[];
}

describe('drill state machine with the real validation engine on real PostgreSQL', () => {
  afterEach(() => jest.restoreAllMocks());

  test.each([
    ['snapshot restore', snapshotMachine, () => snapshot, {}],
    ['point-in-time restore', pitrMachine, () => primary(), { pointInTime: ['dispensing'] }],
  ] as const)(
    '%s: validated against the manifest taken before its recovery point; the evidence holds every engine check',
    async (_, machine, served, options) => {
      const world = worldServing(served(), options);
      try {
        const run = await machine.run({ databases: ['dispensing'] }, { tasks: world.tasks() });
        expect(run.status).toBe('SUCCEEDED');
        const [doc] = evidenceOf(world);
        expect(doc).toMatchObject({ result: 'passed' });
        expect(doc!.achievedRpoSeconds).toBeLessThanOrEqual(300);
        // The stand-in validators of the other drill tests answer exactly these ids.
        const engineIds = doc!.checks
          .filter((c) => c.category === 'generic' || c.category === 'pharmacy')
          .map((c) => c.id);
        expect(engineIds.sort()).toEqual(
          engineEvidenceChecks({ passed: true })
            .map((c) => c.id)
            .sort(),
        );
      } finally {
        world.aws.restore();
      }
    },
  );

  test('a restored copy that does not match its manifest fails the drill, names the checks, and is cleaned up', async () => {
    const world = worldServing(primary()); // the snapshot drill served yesterday's manifest with today's data
    try {
      const run = await snapshotMachine.run({ databases: ['dispensing'] }, { tasks: world.tasks() });
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('Rxdr.DrillFailed');
      const [doc] = evidenceOf(world);
      expect(doc).toMatchObject({ result: 'failed' });
      expect(doc!.failureReason).toMatch(/validation failed: .*audit-chain/);
      expect(world.aws.deleted).toEqual(world.aws.created);
    } finally {
      world.aws.restore();
    }
  });
});
