import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { rxdr } from '../helpers/cli';
import { useTestDatabase } from '../helpers/postgres';

/** `rxdr manifest --pharmacy-tables`: the built-in invariants pointed at an adopter's own prescriptions table. */
const db = useTestDatabase('adopter_tables');
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'rxdr-pharmacy-tables-'));
  const client = new Client({ connectionString: db().url });
  await client.connect();
  try {
    await client.query(`
      CREATE SCHEMA app;
      CREATE TABLE app.script (
        script_id bigint PRIMARY KEY, pharmacy_id integer NOT NULL, "RxNo" integer NOT NULL,
        epcs_signed_payload bytea, sig bytea, created_at timestamptz NOT NULL);
      INSERT INTO app.script
      SELECT i, 1 + i % 3, i, convert_to('payload ' || i, 'UTF8'), sha256(convert_to('payload ' || i, 'UTF8')),
             timestamptz '2026-11-01' + i * interval '1 minute'
        FROM generate_series(1, 300) i;`);
  } finally {
    await client.end();
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mapping = (columns: Record<string, string>, table = 'app.script') => {
  const file = path.join(dir, `tables-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ prescription: { table, columns } }));
  return file;
};
const COLUMNS = { prescription_id: 'script_id', rx_number: 'RxNo', epcs_payload_sha256: 'sig' };

test('the manifest records the mapping and validate runs rx-uniqueness and epcs-signatures on the adopter table', async () => {
  const out = path.join(dir, 'manifest.json');
  const made = await rxdr('manifest', '--url', db().url, '--out', out, '--pharmacy-tables', mapping(COLUMNS));
  expect(made.code).toBe(0);
  const written = JSON.parse(readFileSync(out, 'utf8')) as { pharmacy?: { tableMapping?: unknown } };
  expect(written.pharmacy?.tableMapping).toEqual({ prescription: { table: 'app.script', columns: COLUMNS } });
  const result = await rxdr('validate', '--url', db().url, '--manifest', out, '--rpo-target', '999999999');
  expect(result.stdout).toMatch(/^rx-uniqueness\s+pharmacy\s+pass/m);
  expect(result.stdout).toMatch(/^epcs-signatures\s+pharmacy\s+pass/m);
  expect(result.stdout).toMatch(/^cs-ledger\s+pharmacy\s+SKIP\s+\d+\s+not mapped/m);
  expect(result.code).toBe(0);
});

test('a mapping the database does not fit, or that names no reference table, exits 2 naming every problem', async () => {
  const out = path.join(dir, 'never.json');
  const missing = await rxdr(
    'manifest',
    '--url',
    db().url,
    '--out',
    out,
    '--pharmacy-tables',
    mapping({ ...COLUMNS, rx_number: 'rx_no', created_at: 'written_at' }),
  );
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain(
    'prescription.columns.rx_number: app.script has no column "rx_no"; prescription.columns.created_at: app.script has no column "written_at"',
  );
  const unknown = path.join(dir, 'unknown.json');
  writeFileSync(unknown, JSON.stringify({ scripts: { table: 'app.script' } }));
  const wrong = await rxdr('manifest', '--url', db().url, '--out', out, '--pharmacy-tables', unknown);
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toMatch(/scripts: "scripts" is not a reference pharmacy table; known: pharmacy, patient/);
  expect(() => readFileSync(out)).toThrow();
});
