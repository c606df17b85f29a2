import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { rxdr } from '../helpers/cli';
import { useTestDatabase } from '../helpers/postgres';
import { STORE } from '../validation/adopter/schemas';

/** `rxdr manifest` and `rxdr validate` on a database that is not the reference schema, as an adopter runs them. */
const db = useTestDatabase('adopter');
let dir: string;
let manifestFile: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'rxdr-adopter-'));
  manifestFile = path.join(dir, 'manifest.json');
  const client = new Client({ connectionString: db().url });
  await client.connect();
  try {
    await client.query(STORE.sql);
  } finally {
    await client.end();
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('manifest discovers the quoted mixed-case tables, and validate accepts that manifest and passes', async () => {
  const manifest = await rxdr('manifest', '--url', db().url, '--out', manifestFile);
  expect(manifest.stderr).toContain('manifest: Store.Orders 400 rows');
  expect(manifest.code).toBe(0);
  expect(manifest.stdout).toMatch(/wrote .*manifest\.json: 3 tables/);
  const written = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    tables: { table: string; cutoffColumn?: string; columns: { name: string; hash?: string }[] }[];
  };
  const orders = written.tables.find((t) => t.table === 'Orders');
  expect(orders?.cutoffColumn).toBe('placedAt');
  expect(orders?.columns.filter((c) => c.hash === 'text').map((c) => c.name)).toEqual([
    'payload',
    'Receipt',
    'pickupPoint',
  ]);
  const validate = await rxdr('validate', '--url', db().url, '--manifest', manifestFile, '--rpo-target', '99999999');
  expect(validate.stderr).toContain('pass checksums');
  expect(validate.code).toBe(0);
});

test('a selection that runs no check says so and exits 2, not 1', async () => {
  const result = await rxdr('validate', '--url', db().url, '--manifest', manifestFile, '--checks', 'pharmacy');
  expect(result.stderr).toMatch(/no check to run: --checks pharmacy selects no checks that apply to this manifest/);
  expect(result.stdout).not.toContain('all 0 checks passed');
  expect(result.code).toBe(2);
});
