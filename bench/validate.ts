/**
 * Benchmark of restore validation. Seeds a fresh embedded PostgreSQL cluster (or a database on
 * --url's server), then measures over the tables the validator reads:
 *   scan floor     one count(*) per table (reads pages, no column values)
 *   content floor  one sum(hash_record_extended(t, 0)) per table (reads and hashes every column)
 *   validation     validateDatabase with every check
 *   naive          COPY every row to the client and hash it there
 * Floors and validation spread tables over as many connections as there are cores. Each timed step runs
 * `--repeat` times after a warm-up pass and reports the best (data cached: the disk here is fast, so
 * hashing CPU dominates, see docs/performance.md).
 *
 *   npm run bench:validate -- --prescriptions 1000000 [--json] [--repeat 3] [--url postgres://…/postgres]
 */
import { createHash } from 'node:crypto';
import { cpus } from 'node:os';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { buildManifest, PHARMACY_TABLES, validateDatabase } from '../engines/validation';
import { seedDatabase } from '../lib/seed';
import { runPool } from '../engines/validation/pool';
import { PostgresCluster } from '../lib/local/postgres-cluster';

interface Args {
  prescriptions: number;
  json: boolean;
  repeat: number;
  url?: string;
  /** The manifest cut-off this many hours before the newest data, so the copy has rows after it (as in a drill). */
  cutoffLagHours: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { prescriptions: 1_000_000, json: false, repeat: 3, cutoffLagHours: 24 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--json') args.json = true;
    else if (flag === '--prescriptions' && value) {
      args.prescriptions = Number(value);
      i++;
    } else if (flag === '--repeat' && value) {
      args.repeat = Number(value);
      i++;
    } else if (flag === '--cutoff-lag-hours' && value) {
      args.cutoffLagHours = Number(value);
      i++;
    } else if (flag === '--url' && value) {
      args.url = value;
      i++;
    } else
      throw new Error(
        `unknown argument ${flag}; usage: --prescriptions <n> [--json] [--repeat <n>] [--cutoff-lag-hours <h>] [--url <admin-url>]`,
      );
  }
  if (!Number.isInteger(args.prescriptions) || args.prescriptions < 1)
    throw new Error('--prescriptions must be a positive integer');
  return args;
}

const seconds = (ms: number): number => Math.round(ms) / 1000;

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const result = await fn();
  return [performance.now() - t0, result];
}

async function best(repeat: number, fn: () => Promise<unknown>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < repeat; i++) min = Math.min(min, (await timed(fn))[0]);
  return min;
}

async function perTable(url: string, cores: number, sql: (table: string) => string): Promise<void> {
  await runPool(
    PHARMACY_TABLES.map((t) => async (client: Client) => {
      await client.query(sql(`${t.schema}.${t.table}`));
    }),
    { target: url, concurrency: cores },
  );
}

/** The naive baseline: every row to the client as text, SHA-256 per row, order-independent sum. */
async function naive(url: string, cores: number): Promise<bigint> {
  const sums = await runPool(
    PHARMACY_TABLES.map((t) => async (client: Client) => {
      let sum = 0n;
      let rest = '';
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          const lines = (rest + chunk.toString('utf8')).split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) sum += createHash('sha256').update(line).digest().readBigUInt64BE(0);
          done();
        },
      });
      await pipeline(client.query(copyTo(`COPY ${t.schema}.${t.table} TO STDOUT`)), sink);
      return sum;
    }),
    { target: url, concurrency: cores },
  );
  return sums.reduce((a, b) => a + b, 0n);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const cores = cpus().length;
  const log = (text: string) => process.stderr.write(text + '\n');
  let cluster: PostgresCluster | undefined;
  let adminUrl = args.url;
  if (!adminUrl) {
    log('starting an embedded PostgreSQL cluster…');
    cluster = await PostgresCluster.create({
      settings: { shared_buffers: '1GB', max_connections: 50, max_wal_size: '4GB', checkpoint_timeout: '30min' },
    });
    await cluster.start();
    adminUrl = cluster.url();
  }
  const database = `bench_validate_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const dbUrl = url.toString();
  try {
    log(`seeding ${args.prescriptions.toLocaleString('en-US')} prescriptions…`);
    const [seedMs, seeded] = await timed(() =>
      seedDatabase({
        url: dbUrl,
        prescriptions: args.prescriptions,
        seed: 1,
        onProgress: (e) => e.kind === 'seed' && log(`  ${e.rows.toLocaleString('en-US')}`),
      }),
    );
    const rows = Object.values(seeded.rows).reduce((a, b) => a + b, 0);
    const sizeRow = await admin.query<{ size: string }>(`SELECT pg_database_size($1)::text AS size`, [database]);
    log('building the manifest…');
    const [manifestMs, manifest] = await timed(() =>
      buildManifest({
        url: dbUrl,
        concurrency: cores,
        cutoff: new Date(new Date(seeded.endTime).getTime() - args.cutoffLagHours * 3_600_000),
      }),
    );
    const recoveryPointTime = new Date(seeded.endTime);

    log('warm-up pass…');
    await perTable(dbUrl, cores, (t) => `SELECT sum(hash_record_extended(t, 0)) FROM ${t} t`);
    log('scan floor…');
    const scanMs = await best(args.repeat, () => perTable(dbUrl, cores, (t) => `SELECT count(*) FROM ${t}`));
    log('content floor…');
    const contentMs = await best(args.repeat, () =>
      perTable(dbUrl, cores, (t) => `SELECT sum(hash_record_extended(t, 0)) FROM ${t} t`),
    );
    log('full validation…');
    let passed = true;
    const checkTimes: Record<string, number> = {};
    const checkModes: Record<string, unknown> = {};
    const validationMs = await best(args.repeat, async () => {
      const report = await validateDatabase({ url: dbUrl, manifest, recoveryPointTime, concurrency: cores });
      passed &&= report.passed;
      for (const c of report.checks) {
        checkTimes[c.name] = Math.min(checkTimes[c.name] ?? Infinity, c.durationMs);
        if (c.measured.mode) checkModes[c.name] = c.measured.mode;
      }
    });
    log('naive baseline…');
    const [naiveMs] = await timed(() => naive(dbUrl, cores));

    const result = {
      prescriptions: args.prescriptions,
      rows,
      databaseBytes: Number(sizeRow.rows[0]?.size ?? 0),
      cores,
      repeat: args.repeat,
      seconds: {
        seed: seconds(seedMs),
        manifest: seconds(manifestMs),
        scanFloor: seconds(scanMs),
        contentFloor: seconds(contentMs),
        validation: seconds(validationMs),
        naive: seconds(naiveMs),
      },
      validationPassed: passed,
      checkMs: checkTimes,
      checkModes,
      cutoffLagHours: args.cutoffLagHours,
      ratios: {
        validationOverContentFloor: Math.round((validationMs / contentMs) * 100) / 100,
        validationOverScanFloor: Math.round((validationMs / scanMs) * 100) / 100,
        naiveOverValidation: Math.round((naiveMs / validationMs) * 100) / 100,
      },
      targets: { validationOverContentFloorMax: 1.5, naiveOverValidationMin: 5 },
    };
    if (args.json) process.stdout.write(JSON.stringify(result) + '\n');
    else {
      const s = result.seconds;
      process.stdout.write(
        [
          `validation benchmark: ${args.prescriptions.toLocaleString('en-US')} prescriptions, ${rows.toLocaleString('en-US')} rows, ${(result.databaseBytes / 1e6).toFixed(0)} MB, ${cores} cores, best of ${args.repeat}`,
          `  seed            ${s.seed.toFixed(2)} s`,
          `  manifest        ${s.manifest.toFixed(2)} s`,
          `  scan floor      ${s.scanFloor.toFixed(2)} s`,
          `  content floor   ${s.contentFloor.toFixed(2)} s`,
          `  validation      ${s.validation.toFixed(2)} s  (${passed ? 'all checks passed' : 'SOME CHECKS FAILED'})`,
          `  naive baseline  ${s.naive.toFixed(2)} s`,
          `  validation / content floor  ${result.ratios.validationOverContentFloor}  (target <= 1.5)`,
          `  validation / scan floor     ${result.ratios.validationOverScanFloor}`,
          `  naive / validation          ${result.ratios.naiveOverValidation}  (target >= 5)`,
          `  per check (ms, overlapping): ${Object.entries(checkTimes)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
          `  pharmacy check modes (cut-off ${args.cutoffLagHours} h before the newest data): ${Object.entries(
            checkModes,
          )
            .map(([k, v]) => `${k} ${String(v)}`)
            .join(', ')}`,
        ].join('\n') + '\n',
      );
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await cluster?.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:validate failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
