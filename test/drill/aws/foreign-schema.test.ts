import { S3Client } from '@aws-sdk/client-s3';
import { Template } from 'aws-cdk-lib/assertions';
import { Client } from 'pg';
import { manifestKey } from '../../../engines/common/manifest-key';
import { buildManifest } from '../../../engines/validation';
import { LocalStateMachine } from '../../helpers/local-state-machine';
import { dropDatabase, type TestDatabase } from '../../helpers/postgres';
import { useTlsTestDatabase } from '../../helpers/tls-postgres';
import { STORE } from '../../validation/adopter/schemas';
import { copyDatabase, corrupt } from '../../validation/fixture';
import { CHECK_SETTINGS_VARIABLE, checkSettingsFor } from '../../../engines/validation/check-settings';
import { databaseSpec, drillStack } from './drill-stack';
import { DrillWorld } from './harness';

/**
 * The drill state machine with the real validation engine on an adopter's own schema (quoted mixed-case
 * and Unicode names, json/xml/point columns, a table without a key): the manifest job's default discovery
 * describes it, and the Validate task checks the restored copy against that manifest. The newest order is
 * placed at 04:57, the manifest cut-off is 04:58:30, the snapshot recovery point 05:00.
 */
const primary = useTlsTestDatabase('drill_foreign');
let snapshot: TestDatabase;
let manifest: string;

beforeAll(async () => {
  const client = new Client({ connectionString: primary().url });
  await client.connect();
  try {
    await client.query(STORE.sql);
    await client.query(
      `INSERT INTO "Store"."Orders" ("placedAt", "Customer Name", payload) VALUES ('2026-10-31T04:57:00Z', 'Kunde', '{}')`,
    );
  } finally {
    await client.end();
  }
  manifest = JSON.stringify(await buildManifest({ url: primary().url, cutoff: new Date('2026-10-31T04:58:30Z') }));
  snapshot = await copyDatabase(primary(), 'drill_foreign_snapshot');
}, 120_000);

afterAll(async () => {
  if (snapshot) await dropDatabase(snapshot.name);
});

const machine = LocalStateMachine.fromTemplate(Template.fromStack(drillStack().stack));

function worldServing(served: TestDatabase): DrillWorld {
  const world = new DrillWorld({ concurrency: 5 });
  world.aws.serveDatabase(served);
  world.aws.manifests.set(manifestKey('dispensing'), [
    { id: 'v1', body: manifest, written: new Date('2026-10-31T04:59:00Z') },
  ]);
  world.engine = { s3: new S3Client({}), bucket: 'evidence-bucket' };
  return world;
}

function evidenceOf(world: DrillWorld) {
  return world.aws.evidence as {
    result: string;
    failureReason?: string;
    checks: { id: string; status: string; message: string; category: string }[];
  }[];
}

/** The configured checks as the construct hands them to the Validate function: its synthesized environment. */
const configured = (() => {
  const validation = {
    checks: ['-extensions'],
    customChecks: [
      {
        name: 'orders-have-customers',
        sql: `SELECT "OrderId" FROM "Store"."Orders" WHERE "Customer Name" = ''`,
        expect: 'no-rows' as const,
      },
    ],
    invariants: {
      'rx-uniqueness': {
        sql: 'SELECT "OrderId" FROM "Store"."Orders" GROUP BY 1 HAVING count(*) > 1',
        expect: 'no-rows' as const,
      },
    },
  };
  const { stack } = drillStack({ databases: [databaseSpec('dispensing', { validation })] });
  const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function') as Record<
    string,
    { Properties: { Environment?: { Variables?: Record<string, unknown> } } }
  >;
  const carrying = Object.values(functions)
    .map((f) => f.Properties.Environment?.Variables ?? {})
    .filter((v) => typeof v[CHECK_SETTINGS_VARIABLE] === 'string');
  return { carrying, env: (carrying[0] ?? {}) as NodeJS.ProcessEnv };
})();

describe('drill state machine validating a non-reference schema with the real engine', () => {
  afterEach(() => jest.restoreAllMocks());

  test('the discovered manifest validates the restored copy: the drill passes with the generic and drift checks', async () => {
    const world = worldServing(snapshot);
    try {
      const run = await machine.run({ databases: ['dispensing'] }, { tasks: world.tasks() });
      expect(run.status).toBe('SUCCEEDED');
      const [doc] = evidenceOf(world);
      expect(doc).toMatchObject({ result: 'passed' });
      const ids = doc!.checks.map((c) => c.id);
      for (const id of ['checksums', 'row-counts', 'constraints', 'indexes', 'sequences'])
        expect(ids.some((i) => i.includes(id))).toBe(true);
    } finally {
      world.aws.restore();
    }
  });

  test('a changed xml value in the restored copy fails the drill naming checksums, and it is cleaned up', async () => {
    const damaged = await copyDatabase(primary(), 'drill_foreign_damaged');
    try {
      await corrupt(damaged, `UPDATE "Store"."Orders" SET "Receipt" = '<receipt>0</receipt>' WHERE "OrderId" = 7`);
      const world = worldServing(damaged);
      try {
        const run = await machine.run({ databases: ['dispensing'] }, { tasks: world.tasks() });
        expect(run.status).toBe('FAILED');
        const [doc] = evidenceOf(world);
        expect(doc).toMatchObject({ result: 'failed' });
        expect(doc!.failureReason).toMatch(/validation failed: .*checksums/);
        expect(world.aws.deleted).toEqual(world.aws.created);
      } finally {
        world.aws.restore();
      }
    } finally {
      await dropDatabase(damaged.name);
    }
  });

  test('the configured checks reach the Validate task: custom check and mapped invariant run, others "not mapped"', async () => {
    expect(configured.carrying).toHaveLength(3); // PlanChunks, ValidateChunk and Validate, the same settings
    expect(new Set(configured.carrying.map((v) => v[CHECK_SETTINGS_VARIABLE])).size).toBe(1);
    const world = worldServing(snapshot);
    world.engine = {
      s3: new S3Client({}),
      bucket: 'evidence-bucket',
      checkSettings: (database) => checkSettingsFor(database, configured.env),
    };
    try {
      const run = await machine.run({ databases: ['dispensing'] }, { tasks: world.tasks() });
      expect(run.status).toBe('SUCCEEDED');
      const [doc] = evidenceOf(world);
      expect(doc).toMatchObject({ result: 'passed' });
      const status = (id: string) => doc!.checks.find((c) => c.id === id)?.status;
      expect(status('custom:orders-have-customers')).toBe('passed');
      expect(status('rx-uniqueness')).toBe('passed');
      expect(status('cs-ledger')).toBe('skipped');
      expect(doc!.checks.find((c) => c.id === 'cs-ledger')?.message).toMatch(/^not mapped/);
      expect(status('extensions')).toBeUndefined();
      expect(status('checksums')).toBe('passed');
      expect(doc!.checks.find((c) => c.id === 'manifest')?.message).toMatch(
        /^s3:\/\/evidence-bucket\/manifests\/dispensing\.json version v1: cut-off 2026-10-31T04:58:30\.000Z, \d+ s before the recovery point/,
      );
    } finally {
      world.aws.restore();
    }
  });
});
