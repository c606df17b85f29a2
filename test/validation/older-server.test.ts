import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { buildManifest, validateDatabase } from '../../engines/validation';
import { resolvePostgresBinaries } from '../../lib/local/postgres-binaries';
import { PostgresCluster } from '../../lib/local/postgres-cluster';
import { seedDatabase } from '../../lib/seed';
import { checkNamed } from './fixture';

/**
 * The audit chain's link sums hash each (seq, hash) pair with `hashbyteaextended` where the server has it
 * (PostgreSQL 18) and as a record otherwise. The test server is PostgreSQL 18; this file runs the other path on
 * the machine's PostgreSQL 15 (Debian's package, on the CI image; skipped where it is not installed).
 */
const PG15 = '/usr/lib/postgresql/15/bin';
const hasPg15 = existsSync(`${PG15}/postgres`) && existsSync(`${PG15}/initdb`);
const describeWithPg15 = hasPg15 ? describe : describe.skip;

const END = new Date('2026-11-01T00:00:00Z');
const CUTOFF = new Date(END.getTime() - 2 * 86_400_000);

async function run(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describeWithPg15('the audit chain on PostgreSQL 15 (no hashbyteaextended)', () => {
  let cluster: PostgresCluster;
  let url: string;

  beforeAll(async () => {
    cluster = await PostgresCluster.create({ binaries: resolvePostgresBinaries({ PG_BIN: PG15 }) });
    await cluster.start();
    await run(cluster.url(), 'CREATE DATABASE rx');
    url = cluster.url('rx');
    await seedDatabase({ url, prescriptions: 300, seed: 3, endTime: END, historyDays: 20 });
  }, 60_000);

  afterAll(async () => {
    await cluster?.destroy();
  });

  test('verifies a clean chain and catches a broken link among the new events', async () => {
    const [{ bytea }] = (await run(
      url,
      "SELECT to_regprocedure('pg_catalog.hashbyteaextended(bytea, bigint)') IS NOT NULL AS bytea",
    )) as [{ bytea: boolean }];
    expect(bytea).toBe(false);
    const manifest = await buildManifest({ url, cutoff: CUTOFF });
    const head = manifest.pharmacy?.auditHead.seq ?? 0;
    const validate = async () =>
      checkNamed(
        await validateDatabase({ url, manifest, recoveryPointTime: END, checks: ['audit-chain'] }),
        'audit-chain',
      );

    expect(await validate()).toMatchObject({ passed: true, measured: { mode: 'incremental', linksVerify: true } });
    await run(url, `UPDATE pharmacy.audit_event SET prev_hash = sha256('x'::bytea) WHERE seq = ${head + 2}`);
    const broken = await validate();
    expect(broken).toMatchObject({ passed: false, measured: { mode: 'incremental', linksVerify: false } });
    expect(broken.offendingKeys).toContain(`audit_event:seq=${head + 2}`);
  });
});
