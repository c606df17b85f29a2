import { Client } from 'pg';
import { buildManifest, Manifest, validateDatabase } from '../../engines/validation';
import { buildChunkedManifest, planManifest } from '../../engines/validation/chunks/manifest';
import { validateChunked } from '../../engines/validation/chunks/validate-chunked';
import { seedDatabase } from '../../lib/seed';
import { TestDatabase, useTestDatabase } from '../helpers/postgres';
import { DAMAGE } from './damage';
import { queryOne, useCopies } from './fixture';
import { comparableReport } from './comparable-report';

/**
 * Chunked manifests and validation on real PostgreSQL: with chunks of a few kilobytes the reference
 * schema splits into hundreds of key-range chunks, and every result must equal the unchunked path's
 * (counts and checksums are sums). Each corruption is applied to a fresh copy and must be found by the
 * same checks, with the same offending key ranges, and localized to the chunk that holds the damage.
 */
const END = new Date('2026-11-01T00:00:00Z');
const CUTOFF = new Date(END.getTime() - 2 * 86_400_000);
const TINY = 16 * 1024;
const db = useTestDatabase('chunked');
const copyWith = useCopies(db);
let manifest: Manifest;

beforeAll(async () => {
  await seedDatabase({ url: db().url, prescriptions: 2000, seed: 7, endTime: END, historyDays: 60 });
  manifest = await buildManifest({ url: db().url, cutoff: CUTOFF });
});

const options = (target: TestDatabase) => ({
  url: target.url,
  manifest,
  recoveryPointTime: END,
  rpoTargetSeconds: 6 * 3600,
});

describe('chunked manifest', () => {
  test('hundreds of tiny chunks give the manifest the unchunked path gives', async () => {
    const plan = await planManifest({ url: db().url, cutoff: CUTOFF, chunkBytes: TINY });
    expect(plan.chunks.length).toBeGreaterThanOrEqual(100);
    expect(new Set(plan.chunks.map((c) => c.table)).size).toBe(manifest.tables.length);
    const chunked = await buildChunkedManifest({ url: db().url, cutoff: CUTOFF, chunkBytes: TINY, concurrency: 2 });
    expect({ ...chunked, createdAt: '' }).toEqual({ ...manifest, createdAt: '' });
  });

  test('chunks are sized by bytes: a bigger chunk size plans fewer chunks, and a table that fits stays whole', async () => {
    const big = await planManifest({ url: db().url, cutoff: CUTOFF, chunkBytes: 1024 ** 3 });
    expect(big.chunks.length).toBe(manifest.tables.length);
    expect(big.chunks.every((c) => c.first && c.last)).toBe(true);
    const medium = await planManifest({ url: db().url, cutoff: CUTOFF, chunkBytes: 256 * 1024 });
    const tiny = await planManifest({ url: db().url, cutoff: CUTOFF, chunkBytes: TINY });
    expect(medium.chunks.length).toBeGreaterThan(big.chunks.length);
    expect(tiny.chunks.length).toBeGreaterThan(medium.chunks.length);
  });
});

describe('chunked validation', () => {
  test('a clean copy: hundreds of chunks, the same report as the unchunked path, no chunk mismatched', async () => {
    const copy = await copyWith('');
    const unchunked = await validateDatabase(options(copy));
    const chunked = await validateChunked({ ...options(copy), chunkBytes: TINY, concurrency: 2 });
    expect(chunked.passed).toBe(true);
    expect(comparableReport(chunked)).toEqual(comparableReport(unchunked));
    expect(chunked.chunks?.planned).toBeGreaterThanOrEqual(100);
    expect(chunked.chunks?.mismatched).toEqual([]);
  });

  const fillKey = async () =>
    Number(
      (
        await queryOne<{ id: string }>(
          db(),
          'SELECT fill_id AS id FROM pharmacy.fill WHERE filled_at < $1 ORDER BY fill_id LIMIT 1 OFFSET 1500',
          [CUTOFF],
        )
      ).id,
    );

  const corruptions: [string, () => Promise<{ sql: string; table: string; key: number }>][] = [
    [
      'deleted row',
      async () => {
        const { id } = await queryOne<{ id: string }>(
          db(),
          'SELECT report_id AS id FROM pharmacy.pdmp_report WHERE reported_at < $1 ORDER BY 1 LIMIT 1 OFFSET 200',
          [CUTOFF],
        );
        return {
          sql: DAMAGE.deletedRow(Number(id)),
          table: 'pdmp_report',
          key: Number(id),
        };
      },
    ],
    [
      'changed value',
      async () => ({
        sql: DAMAGE.changedValue(17),
        table: 'patient',
        key: 17,
      }),
    ],
    [
      'values swapped between two rows',
      async () => {
        const a = await fillKey();
        return {
          sql: DAMAGE.swappedValues(a),
          table: 'fill',
          key: a,
        };
      },
    ],
    [
      'duplicated row',
      async () => ({
        sql: DAMAGE.duplicatedRow(5),
        table: 'prescriber',
        key: 5,
      }),
    ],
    [
      'row with a key beyond the manifest key span',
      async () => ({
        sql: 'UPDATE pharmacy.patient SET patient_id = 1000000 WHERE patient_id = 3',
        table: 'patient',
        key: 1_000_000,
      }),
    ],
  ];

  test.each(corruptions)('%s: the same failures and key ranges, localized to the chunk', async (_name, make) => {
    const { sql, table, key } = await make();
    const copy = await copyWith(sql);
    const unchunked = await validateDatabase(options(copy));
    const chunked = await validateChunked({ ...options(copy), chunkBytes: TINY, concurrency: 2 });
    expect(unchunked.passed).toBe(false);
    expect(comparableReport(chunked)).toEqual(comparableReport(unchunked));
    const mismatched = chunked.chunks?.mismatched ?? [];
    expect(mismatched.length).toBeGreaterThanOrEqual(1);
    for (const label of mismatched) expect(label).toMatch(new RegExp(`^pharmacy\\.${table} `));
    if (key >= 0) expect(mismatched.some((label) => covers(label, key))).toBe(true);
  });
});

test('a table missing in the copy: the checks report it as without chunks (a failed check, not an abort)', async () => {
  const copy = await copyWith('DROP TABLE pharmacy.pdmp_report');
  const unchunked = await validateDatabase(options(copy));
  const chunked = await validateChunked({ ...options(copy), chunkBytes: TINY, concurrency: 2 });
  expect(unchunked.passed).toBe(false);
  expect(comparableReport(chunked)).toEqual(comparableReport(unchunked));
  expect(chunked.chunks?.mismatched.every((label) => label.startsWith('pharmacy.pdmp_report'))).toBe(true);
});

/** Whether a chunk label `schema.table key low..high` (`…` for an open end) covers `key`. */
function covers(label: string, key: number): boolean {
  if (label.endsWith('(whole table)')) return true;
  const [low, high] = label.replace(/^.* /, '').split('..');
  return (low === '…' || Number(low) <= key) && (high === '…' || key <= Number(high));
}

test('the chunk planner reads sizes from the catalog of the database it validates', async () => {
  const client = new Client({ connectionString: db().url });
  await client.connect();
  try {
    const { rows } = await client.query<{ bytes: string }>(
      "SELECT pg_total_relation_size('pharmacy.fill')::text AS bytes",
    );
    expect(Number(rows[0]?.bytes)).toBeGreaterThan(TINY);
  } finally {
    await client.end();
  }
});
