/**
 * The scale proof of chunked manifests and validation, too slow for `npm test`: on real PostgreSQL at
 * 1 M prescriptions (about 9.5 M rows, 1.4 GB), with chunks small enough to plan hundreds of them,
 *   1. the chunked manifest equals the unchunked one (every byte of its JSON but `createdAt`);
 *   2. a clean copy's chunked report equals the unchunked one, over one connection and over two, and two
 *      connections are no slower than one;
 *   3. a copy damaged five ways (deleted, changed, swapped, duplicated row, a key beyond the manifest's span;
 *      one table each) fails with the unchunked report, and each damage is localized to a mismatched chunk
 *      of its table whose key range holds the damaged key (and no other table's chunk mismatches).
 * Every assertion that fails is printed and the script exits 1; it exits 0 only when all hold.
 *
 *   npm run proof:scale [-- --prescriptions 1000000] [--chunk-kib 4096] [--url postgres://…/postgres] [--json]
 */
import { cpus } from 'node:os';
import { Client } from 'pg';
import { buildManifest, Manifest, validateDatabase, ValidationReport } from '../engines/validation';
import { buildChunkedManifest, planManifest } from '../engines/validation/chunks/manifest';
import { validateChunked } from '../engines/validation/chunks/validate-chunked';
import { PostgresCluster } from '../lib/local/postgres-cluster';
import { seedDatabase } from '../lib/seed';
import { DAMAGE } from '../test/validation/damage';
import { seconds, timed } from './validate-timing';
import { comparableReport } from '../test/validation/comparable-report';

interface Args {
  readonly prescriptions: number;
  readonly chunkBytes: number;
  readonly url?: string;
  readonly json: boolean;
}

function parseArgs(argv: string[]): Args {
  let prescriptions = 1_000_000;
  let chunkKib = 4096;
  let url: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => argv[++i] ?? usage(`${flag} needs a value`);
    if (flag === '--prescriptions') prescriptions = Number(value());
    else if (flag === '--chunk-kib') chunkKib = Number(value());
    else if (flag === '--url') url = value();
    else if (flag === '--json') json = true;
    else usage(`unknown flag ${flag}`);
  }
  if (!Number.isInteger(prescriptions) || prescriptions < 1000)
    usage(`--prescriptions must be a whole number >= 1000, got ${prescriptions}`);
  if (!Number.isInteger(chunkKib) || chunkKib < 8) usage(`--chunk-kib must be a whole number >= 8, got ${chunkKib}`);
  return { prescriptions, chunkBytes: chunkKib * 1024, url, json };
}

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npm run proof:scale -- [--prescriptions N] [--chunk-kib K] [--url <admin url>] [--json]\n`,
  );
  process.exit(2);
}

const END = new Date('2026-11-01T00:00:00Z');
/** Two days of rows after the cut-off: the pharmacy checks take their incremental path on a clean copy. */
const CUTOFF = new Date(END.getTime() - 2 * 86_400_000);

const failures: string[] = [];
const log = (text: string) => process.stderr.write(text + '\n');
function check(condition: boolean, claim: string): void {
  log(`  ${condition ? 'ok  ' : 'FAIL'} ${claim}`);
  if (!condition) failures.push(claim);
}

const comparable = (report: ValidationReport) => JSON.stringify(comparableReport(report));

const withoutCreatedAt = (m: Manifest) => JSON.stringify({ ...m, createdAt: '' });

/** Whether a chunk label `schema.table key low..high` (`…` for an open end) covers `key`. */
function covers(label: string, key: number): boolean {
  if (label.endsWith('(whole table)')) return true;
  const [low, high] = label.replace(/^.* /, '').split('..');
  return (low === '…' || Number(low) <= key) && (high === '…' || key <= Number(high));
}

async function sql<T extends Record<string, unknown>>(url: string, text: string, params: unknown[] = []) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

interface Damage {
  readonly name: string;
  readonly table: string;
  readonly key: number;
  readonly sql: string;
}

/** The corruption matrix, one table each, keys picked among the rows at or before the cut-off. */
async function damages(url: string): Promise<Damage[]> {
  /** The key `fraction` of the way through a table's rows at or before the cut-off. */
  const keyAt = async (table: string, key: string, time: string, fraction: number) => {
    const old = `FROM pharmacy.${table} WHERE ${time} <= $1`;
    const [row] = await sql<{ id: string }>(
      url,
      `SELECT ${key}::text AS id ${old} ORDER BY ${key} LIMIT 1 OFFSET (SELECT floor(count(*) * ${fraction}) ${old})`,
      [CUTOFF],
    );
    if (!row) throw new Error(`no row in pharmacy.${table} before the cut-off`);
    return Number(row.id);
  };
  const report = await keyAt('pdmp_report', 'report_id', 'reported_at', 0.3);
  const fill = await keyAt('fill', 'fill_id', 'filled_at', 0.6);
  const patient = await keyAt('patient', 'patient_id', 'created_at', 0.45);
  const [{ max: claimMax } = { max: '0' }] = await sql<{ max: string }>(
    url,
    'SELECT max(claim_id)::text AS max FROM pharmacy.claim',
  );
  const beyond = Number(claimMax) + 10_000_000;
  return [
    {
      name: 'deleted row',
      table: 'pdmp_report',
      key: report,
      sql: DAMAGE.deletedRow(report),
    },
    {
      name: 'changed value',
      table: 'patient',
      key: patient,
      sql: DAMAGE.changedValue(patient),
    },
    {
      name: 'values swapped between two rows',
      table: 'fill',
      key: fill,
      sql: DAMAGE.swappedValues(fill),
    },
    {
      name: 'duplicated row',
      table: 'prescriber',
      key: 5,
      sql: DAMAGE.duplicatedRow(5),
    },
    {
      name: 'row with a key beyond the manifest key span',
      table: 'claim',
      key: beyond,
      sql: `UPDATE pharmacy.claim SET claim_id = ${beyond} WHERE claim_id = (SELECT min(claim_id) FROM pharmacy.claim)`,
    },
  ];
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const timings: Record<string, number> = {};
  const time = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const [ms, result] = await timed(fn);
    timings[name] = seconds(ms);
    log(`  ${name}: ${seconds(ms)} s`);
    return result;
  };
  let cluster: PostgresCluster | undefined;
  let adminUrl = args.url;
  if (!adminUrl) {
    log('starting an embedded PostgreSQL cluster…');
    cluster = await PostgresCluster.create({
      settings: { shared_buffers: '512MB', max_connections: 50, max_wal_size: '4GB', checkpoint_timeout: '30min' },
    });
    await cluster.start();
    adminUrl = cluster.url();
  }
  const name = (suffix: string) => `proof_scale_${process.pid}_${suffix}`;
  const urlOf = (database: string) => Object.assign(new URL(adminUrl as string), { pathname: `/${database}` }).href;
  const created: string[] = [];
  const createDatabase = async (database: string, template?: string) => {
    await sql(
      adminUrl as string,
      `CREATE DATABASE ${database}${template ? ` TEMPLATE ${template} STRATEGY FILE_COPY` : ''}`,
    );
    created.push(database);
    return urlOf(database);
  };
  const cores = cpus().length;
  try {
    const source = await createDatabase(name('source'));
    log(`seeding ${args.prescriptions.toLocaleString('en-US')} prescriptions…`);
    const seeded = await time('seed', () =>
      seedDatabase({ url: source, prescriptions: args.prescriptions, seed: 1, endTime: END, historyDays: 730 }),
    );
    const rows = Object.values(seeded.rows).reduce((a, b) => a + b, 0);
    const [{ size } = { size: '0' }] = await sql<{ size: string }>(
      source,
      'SELECT pg_database_size(current_database())::text AS size',
    );
    log(`${rows.toLocaleString('en-US')} rows, ${(Number(size) / 1024 ** 2).toFixed(0)} MB`);

    log('1. manifest, unchunked and in chunks');
    const manifest = await time('manifest unchunked', () =>
      buildManifest({ url: source, cutoff: CUTOFF, concurrency: cores }),
    );
    const plan = await planManifest({ url: source, cutoff: CUTOFF, chunkBytes: args.chunkBytes });
    check(plan.chunks.length >= 100, `the manifest plans hundreds of chunks (${plan.chunks.length})`);
    const chunkedManifest = await time('manifest chunked', () =>
      buildChunkedManifest({ url: source, cutoff: CUTOFF, chunkBytes: args.chunkBytes, concurrency: cores }),
    );
    check(
      withoutCreatedAt(chunkedManifest) === withoutCreatedAt(manifest),
      'the chunked manifest equals the unchunked one, byte for byte but createdAt',
    );

    log('2. a clean copy, unchunked and in chunks over one and two connections');
    const clean = await time('copy', () => createDatabase(name('clean'), name('source')));
    const options = { manifest, recoveryPointTime: END, rpoTargetSeconds: 6 * 3600 };
    const unchunked = await time('validation unchunked', () => validateDatabase({ ...options, url: clean }));
    check(unchunked.passed, 'the clean copy passes unchunked');
    const chunked = (parallel: number) =>
      validateChunked({ ...options, url: clean, chunkBytes: args.chunkBytes, concurrency: parallel });
    // Warm both ways once, then time one connection and two back to back (best of two each).
    const one = await time('validation chunked --parallel 1', () => chunked(1));
    const two = await time('validation chunked --parallel 2', () => chunked(2));
    await time('validation chunked --parallel 1 (again)', () => chunked(1));
    await time('validation chunked --parallel 2 (again)', () => chunked(2));
    check((one.chunks?.planned ?? 0) >= 100, `validation plans hundreds of chunks (${one.chunks?.planned})`);
    for (const [label, report] of [
      ['--parallel 1', one],
      ['--parallel 2', two],
    ] as const) {
      check(comparable(report) === comparable(unchunked), `the chunked report (${label}) equals the unchunked one`);
      check(report.chunks?.mismatched.length === 0, `no chunk mismatched on the clean copy (${label})`);
    }
    const oneMs = Math.min(
      timings['validation chunked --parallel 1'] ?? 0,
      timings['validation chunked --parallel 1 (again)'] ?? 0,
    );
    const twoMs = Math.min(
      timings['validation chunked --parallel 2'] ?? 0,
      timings['validation chunked --parallel 2 (again)'] ?? 0,
    );
    check(twoMs <= oneMs, `--parallel 2 (${twoMs} s) is no slower than one connection (${oneMs} s)`);
    await sql(adminUrl, `DROP DATABASE ${name('clean')}`);
    created.splice(created.indexOf(name('clean')), 1);

    log('3. a copy damaged five ways, one table each');
    const matrix = await damages(source);
    const damaged = await time('copy', () => createDatabase(name('damaged'), name('source')));
    for (const d of matrix) {
      const client = new Client({ connectionString: damaged });
      await client.connect();
      try {
        await client.query("SET session_replication_role = 'replica'");
        await client.query(d.sql);
      } finally {
        await client.end();
      }
    }
    const badUnchunked = await time('validation unchunked (damaged)', () =>
      validateDatabase({ ...options, url: damaged }),
    );
    const bad = await time('validation chunked --parallel 2 (damaged)', () =>
      validateChunked({ ...options, url: damaged, chunkBytes: args.chunkBytes, concurrency: 2 }),
    );
    check(!badUnchunked.passed && !bad.passed, 'the damaged copy fails, unchunked and chunked');
    check(comparable(bad) === comparable(badUnchunked), 'the chunked report equals the unchunked one');
    const mismatched = bad.chunks?.mismatched ?? [];
    for (const d of matrix) {
      const ofTable = mismatched.filter((label) => label.startsWith(`pharmacy.${d.table} `));
      check(
        ofTable.some((label) => covers(label, d.key)),
        `${d.name}: a mismatched chunk of ${d.table} holds key ${d.key} (${ofTable.join(', ') || 'none'})`,
      );
    }
    const tables = new Set(matrix.map((d) => `pharmacy.${d.table} `));
    check(
      mismatched.every((label) => [...tables].some((t) => label.startsWith(t))),
      `no chunk of an undamaged table mismatched (${mismatched.length} mismatched)`,
    );

    const result = {
      prescriptions: args.prescriptions,
      rows,
      databaseBytes: Number(size),
      chunkBytes: args.chunkBytes,
      manifestChunks: plan.chunks.length,
      validationChunks: one.chunks?.planned,
      seconds: { ...timings, total: seconds(performance.now() - started) },
      failures,
    };
    process.stdout.write(
      args.json
        ? JSON.stringify(result) + '\n'
        : `\nscale proof: ${failures.length === 0 ? 'all assertions hold' : `${failures.length} FAILED`} ` +
            `(${result.seconds.total} s in all)\n${failures.map((f) => `  FAIL ${f}\n`).join('')}`,
    );
    if (failures.length > 0) process.exitCode = 1;
  } finally {
    for (const database of created.reverse())
      await sql(adminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await cluster?.destroy();
  }
}

main().catch((error) => {
  process.stderr.write(
    `proof:scale could not run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
