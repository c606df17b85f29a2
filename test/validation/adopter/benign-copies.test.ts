import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { buildManifest, Manifest, validateDatabase, ValidationReport } from '../../../engines/validation';
import { pgauditInPlace } from '../../../engines/validation/pgaudit-in-place';
import { resolvePostgresBinaries } from '../../../lib/local/postgres-binaries';
import { PostgresCluster } from '../../../lib/local/postgres-cluster';
import { createDatabase, dropDatabase, TestDatabase } from '../../helpers/postgres';
import { CLINIC, END, ForeignSchema, STORE, WAREHOUSE } from './schemas';

/**
 * Copies made the way people move databases must pass: `pg_dump | pg_restore` (the machine's PostgreSQL 15
 * client binaries) onto the same major version, and a PostgreSQL 15 source restored onto PostgreSQL 18 (the
 * run's test server). The manifest is always taken on the 15 source.
 */
const PG15 = '/usr/lib/postgresql/15/bin';
// Debian's PostgreSQL 15 with pgaudit: present in CI (RXDR_REQUIRE_PGAUDIT=1), absent on a Node-only machine.
const hasPg15 = existsSync(`${PG15}/pg_dump`) && existsSync(`${PG15}/../lib/pgaudit.so`);
if (!hasPg15 && process.env.RXDR_REQUIRE_PGAUDIT === '1')
  throw new Error(
    `RXDR_REQUIRE_PGAUDIT=1 but PostgreSQL 15 with pgaudit is missing in ${PG15}: install postgresql-15-pgaudit`,
  );
const describeWithPg15 = hasPg15 ? describe : describe.skip;
let source15: PostgresCluster;

async function run(url: string, ...statements: string[]): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

/** `pg_dump -Fc <from> | pg_restore --no-owner -d <to>`, failing on any error of either side. */
function dumpAndRestore(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const dump = spawn(`${PG15}/pg_dump`, ['-Fc', '-d', from], { stdio: ['ignore', 'pipe', 'pipe'] });
    const restore = spawn(`${PG15}/pg_restore`, ['--no-owner', '--exit-on-error', '-d', to], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let errors = '';
    dump.stderr.on('data', (d: Buffer) => (errors += d.toString()));
    restore.stderr.on('data', (d: Buffer) => (errors += d.toString()));
    dump.stdout.pipe(restore.stdin);
    let pending = 2;
    const done = (code: number | null) => {
      if (code !== 0) reject(new Error(`pg_dump | pg_restore failed (${code}): ${errors}`));
      else if (--pending === 0) resolve();
    };
    dump.on('close', done);
    restore.on('close', done);
  });
}

const failing = (report: ValidationReport) =>
  report.checks.filter((c) => !c.passed && !c.skipped).map((c) => ({ name: c.name, keys: c.offendingKeys }));

beforeAll(async () => {
  if (!hasPg15) return;
  source15 = await PostgresCluster.create({
    binaries: resolvePostgresBinaries({ PG_BIN: PG15 }),
    settings: { shared_preload_libraries: 'pgaudit' },
  });
  await source15.start();
}, 60_000);

afterAll(async () => {
  await source15?.destroy();
});

const cases: [string, ForeignSchema][] = [
  [CLINIC.name, CLINIC],
  [STORE.name, STORE],
  [WAREHOUSE.name, WAREHOUSE],
];

describeWithPg15.each(cases)('the %s schema on PostgreSQL 15', (schemaName, schema) => {
  const name = schemaName.toLowerCase();
  let sourceUrl: string;
  let manifest: Manifest;
  const copies: TestDatabase[] = [];

  beforeAll(async () => {
    await run(source15.url(), `CREATE DATABASE src_${name}`, `CREATE DATABASE dump_${name}`);
    sourceUrl = source15.url(`src_${name}`);
    await run(sourceUrl, schema.sql);
    manifest = await buildManifest({ url: sourceUrl, cutoff: END });
    expect(manifest.source.serverVersionNum).toBeLessThan(160000);
  }, 60_000);

  afterAll(async () => {
    for (const copy of copies) await dropDatabase(copy.name);
  });

  const validate = (url: string) =>
    validateDatabase({ url, manifest, recoveryPointTime: END, rpoTargetSeconds: 120 * 86_400 });

  // pg_dump writes CREATE EXTENSION without a version: the copy gets the newest, which the extensions check
  // reports (the warehouse schema keeps pg_trgm at 1.5); nothing else may differ.
  const extensionDrift = schema === WAREHOUSE ? [{ name: 'extensions', keys: ['changed pg_trgm'] }] : [];

  test('pg_dump | pg_restore onto another PostgreSQL 15 database passes', async () => {
    await dumpAndRestore(sourceUrl, source15.url(`dump_${name}`));
    expect(failing(await validate(source15.url(`dump_${name}`)))).toEqual(extensionDrift);
  }, 120_000);

  test('restored onto PostgreSQL 18 it passes against the manifest taken on 15', async () => {
    const copy = await createDatabase(`pg18_${name}`);
    copies.push(copy);
    await dumpAndRestore(sourceUrl, copy.url);
    const report = await validate(copy.url);
    expect(failing(report)).toEqual(extensionDrift);
    expect(report.checks.find((c) => c.name === 'checksums')?.passed).toBe(true);
    if (schema === WAREHOUSE)
      expect(report.checks.find((c) => c.name === 'views')?.measured).toMatchObject({
        definitionsCompared: 'no: the copy runs another major version',
      });
  }, 120_000);
});

describeWithPg15('pgaudit in place, as the manifest job checks an adopted database', () => {
  test('with the library preloaded, the extension and the rds_pgaudit role it passes; without the role it names it', async () => {
    await run(source15.url(), 'CREATE DATABASE audited');
    const url = source15.url('audited');
    await run(url, 'CREATE EXTENSION pgaudit');
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      expect(await pgauditInPlace(client)).toMatchObject({
        passed: false,
        extension: true,
        preloaded: true,
        role: false,
      });
      expect((await pgauditInPlace(client)).message).toBe(
        'pgaudit is not in place: missing the rds_pgaudit role (CREATE ROLE rds_pgaudit)',
      );
      await client.query('CREATE ROLE rds_pgaudit');
      expect(await pgauditInPlace(client)).toMatchObject({ passed: true, message: 'pgaudit is in place' });
    } finally {
      await client.end();
    }
  });
});
