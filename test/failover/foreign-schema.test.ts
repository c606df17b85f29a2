import { Client } from 'pg';
import { buildManifest } from '../../engines/validation';
import { LocalStateMachine } from '../helpers/local-state-machine';
import { dropDatabase, type TestDatabase } from '../helpers/postgres';
import { useTlsTestDatabase } from '../helpers/tls-postgres';
import { STORE } from '../validation/adopter/schemas';
import { copyDatabase, corrupt } from '../validation/fixture';
import { FakeAws, newWorld } from './fake-aws';
import { runbookStack } from './runbook-stack';
import { outageFailoverInput, runRunbook } from './run-runbook';
import { serveRealValidator } from './real-engine';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { FailoverValidator } from '../../lib/constructs/failover/failover-validator';
import { CHECK_SETTINGS_VARIABLE, CheckSettings, checkSettingsFor } from '../../engines/validation/check-settings';
import { testApp } from '../helpers/synth';

/**
 * The failover state machine with the real validator Lambda on an adopter's own schema (quoted mixed-case
 * and Unicode names, json/xml/point columns, a table without a key), described by the manifest's default
 * discovery. The schema's history is moved to end before 2026-03-03; the newest order is placed at 02:57,
 * the replica's manifest is cut off at 02:58 and written at 02:59 (the fake account's clock starts at 03:00).
 */
const at = (time: string) => new Date(`2026-03-03T${time}:00.000Z`);
const replica = useTlsTestDatabase('fo_foreign');
let manifest: string;

beforeAll(async () => {
  const client = new Client({ connectionString: replica().url });
  await client.connect();
  try {
    await client.query(STORE.sql);
    await client.query(`UPDATE "Store"."Orders" SET "placedAt" = "placedAt" - interval '300 days';
      UPDATE "Store"."Line Items" SET "addedAt" = "addedAt" - interval '300 days';
      UPDATE "Store"."Ereignisprotokoll_ä" SET "Zeitpunkt" = "Zeitpunkt" - interval '300 days'`);
    await client.query(
      `INSERT INTO "Store"."Orders" ("placedAt", "Customer Name", payload) VALUES ($1, 'Kunde', '{}')`,
      [at('02:57')],
    );
  } finally {
    await client.end();
  }
  manifest = JSON.stringify(await buildManifest({ url: replica().url, cutoff: at('02:58') }));
}, 120_000);

let machine: LocalStateMachine;
beforeAll(() => {
  machine = LocalStateMachine.fromTemplate(runbookStack().template, { stateMachine: 'RunbooksFailover' });
});

/** The validator function's environment as the construct synthesizes it with these settings for "dispensing". */
function validatorEnvironment(settings: CheckSettings): NodeJS.ProcessEnv {
  const stack = new Stack(testApp(), 'ValidatorTest', { env: { account: '111111111111', region: 'us-west-2' } });
  const key = new kms.Key(stack, 'Key');
  new FailoverValidator(stack, 'Validator', {
    environmentName: 'test',
    key,
    evidenceBucket: new s3.Bucket(stack, 'Evidence', { encryptionKey: key }),
    secretIds: ['rxdr/prod/dispensing'],
    checkSettings: { dispensing: settings },
  });
  const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function')) as {
    Properties: { Environment: { Variables: NodeJS.ProcessEnv } };
  }[];
  expect(typeof fn?.Properties.Environment.Variables[CHECK_SETTINGS_VARIABLE]).toBe('string');
  return fn?.Properties.Environment.Variables ?? {};
}

function worldServing(served: TestDatabase, env: NodeJS.ProcessEnv = {}): FakeAws {
  const world = newWorld('dispensing');
  world.putObject('manifests/dispensing.json', manifest, at('02:59'));
  world.serveDatabase('dispensing-prod-replica', served);
  serveRealValidator(world, (database) => checkSettingsFor(database, env));
  return world;
}

async function failover(world: FakeAws) {
  return runRunbook('failover', machine, world, outageFailoverInput(), { executionName: 'foreign' });
}

describe('failover validating a non-reference schema with the real engine', () => {
  let world: FakeAws;
  afterEach(() => world.restore());

  test('the promoted replica passes against the discovered manifest and is repointed', async () => {
    world = worldServing(replica());
    const run = await failover(world);
    expect(run.status).toBe('SUCCEEDED');
    const [doc] = world.evidence();
    expect(doc).toMatchObject({ result: 'passed' });
    const ids = doc!.checks.map((c) => c.id);
    for (const id of ['checksums', 'constraints', 'sequences']) expect(ids).toContain(id);
    expect(world.records.get('dispensing.db.rx.internal.')).toBe(world.endpointOf('dispensing-prod-replica'));
  });

  test('a dropped foreign key on the replica fails validation by name; nothing is repointed', async () => {
    const damaged = await copyDatabase(replica(), 'fo_foreign_damaged');
    try {
      await corrupt(damaged, 'ALTER TABLE "Store"."Line Items" DROP CONSTRAINT "Line Items_OrderId_fkey"');
      world = worldServing(damaged);
      const before = world.records.get('dispensing.db.rx.internal.');
      const run = await failover(world);
      expect(run.status).toBe('FAILED');
      expect(world.evidence()[0]).toMatchObject({ result: 'failed', failedStep: 'validate' });
      expect(world.evidence()[0]!.checks.find((c) => c.id === 'constraints')).toMatchObject({ status: 'failed' });
      expect(world.records.get('dispensing.db.rx.internal.')).toBe(before);
    } finally {
      await dropDatabase(damaged.name);
    }
  });

  test('a failing configured custom check fails validation by name, in the evidence; nothing is repointed', async () => {
    const env = validatorEnvironment({
      customChecks: [
        {
          name: 'no-anonymous-orders',
          sql: `SELECT "OrderId" FROM "Store"."Orders" WHERE "Customer Name" = 'Kunde'`,
          expect: 'no-rows',
        },
      ],
      invariants: {
        'rx-uniqueness': {
          sql: 'SELECT "OrderId" FROM "Store"."Orders" GROUP BY 1 HAVING count(*) > 1',
          expect: 'no-rows',
        },
      },
    });
    world = worldServing(replica(), env);
    const before = world.records.get('dispensing.db.rx.internal.');
    const run = await failover(world);
    expect(run.status).toBe('FAILED');
    const [doc] = world.evidence();
    expect(doc).toMatchObject({ result: 'failed', failedStep: 'validate' });
    const check = (id: string) => doc!.checks.find((c) => c.id === id);
    expect(check('custom:no-anonymous-orders')).toMatchObject({ status: 'failed', category: 'custom' });
    expect(check('rx-uniqueness')).toMatchObject({ status: 'passed', category: 'pharmacy' });
    expect(check('audit-chain')).toMatchObject({ status: 'skipped' });
    expect(check('manifest')?.message).toMatch(
      /manifests\/dispensing\.json version .*: cut-off 2026-03-03T02:58:00\.000Z/,
    );
    expect(world.records.get('dispensing.db.rx.internal.')).toBe(before);
  });
});
