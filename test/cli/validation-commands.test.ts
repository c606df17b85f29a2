import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { rxdr } from '../helpers/cli';
import { useTestDatabase } from '../helpers/postgres';

const db = useTestDatabase('cli');
const UNREACHABLE = 'postgres://postgres@127.0.0.1:1/nowhere';
let dir: string;
let manifestFile: string;
/** `rxdr validate` of the seeded test database against its manifest, with `options`. */
const validateSeeded = (...options: string[]) =>
  rxdr('validate', '--url', db().url, '--manifest', manifestFile, ...options);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'rxdr-cli-'));
  manifestFile = path.join(dir, 'manifest.json');
  const seeded = await rxdr('seed', '--url', db().url, '--prescriptions', '400', '--seed', '9');
  expect(seeded.code).toBe(0);
  expect(seeded.stdout).toMatch(/seeded [\d,]+ rows \(400 prescriptions/);
  const manifest = await rxdr(
    'manifest',
    '--url',
    db().url,
    '--out',
    manifestFile,
    '--cutoff',
    new Date(Date.now() - 3600_000).toISOString(),
  );
  expect(manifest.code).toBe(0);
  expect(manifest.stdout).toMatch(/wrote .*manifest\.json: 12 tables/);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('rxdr seed | manifest | validate', () => {
  test('validate exits 0 with a table of passing checks, progress on stderr', async () => {
    const result = await validateSeeded();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^CHECK\s+SUITE\s+RESULT/);
    expect(result.stdout).toMatch(/audit-chain\s+pharmacy\s+pass/);
    expect(result.stdout).toContain('all 18 checks passed. Achieved RPO:');
    expect(result.stderr).toContain('pass checksums');
  });

  test('--json prints one report object; a failing check exits 1', async () => {
    const client = new Client({ connectionString: db().url });
    await client.connect();
    const original = (await client.query<{ action: string }>('SELECT action FROM pharmacy.audit_event WHERE seq = 5'))
      .rows[0]?.action;
    await client.query("UPDATE pharmacy.audit_event SET action = 'tampered' WHERE seq = 5");
    await client.end();
    try {
      const result = await validateSeeded('--json', '--checks', 'audit-chain,checksums');
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout) as {
        passed: boolean;
        checks: Array<{ name: string; passed: boolean; offendingKeys: string[] }>;
      };
      expect(report.passed).toBe(false);
      expect(report.checks.map((c) => [c.name, c.passed])).toEqual([
        ['checksums', false],
        ['audit-chain', false],
      ]);
      expect(report.checks[1]?.offendingKeys).toEqual(['audit_event:seq=5']);
      const table = await validateSeeded('--checks', 'audit-chain');
      expect(table.code).toBe(1);
      expect(table.stdout).toMatch(/audit-chain\s+pharmacy\s+FAIL\s+\d+\s+audit_event:seq=5/);
      expect(table.stdout).toContain('1 of 1 checks FAILED');
    } finally {
      const fix = new Client({ connectionString: db().url });
      await fix.connect();
      await fix.query('UPDATE pharmacy.audit_event SET action = $1 WHERE seq = 5', [original]);
      await fix.end();
    }
  });

  test('custom checks from a file run with the rest', async () => {
    const file = path.join(dir, 'custom.json');
    writeFileSync(
      file,
      JSON.stringify([
        { name: 'no-zero-quantity', sql: 'SELECT fill_id FROM pharmacy.fill WHERE quantity = 0', expect: 'no-rows' },
      ]),
    );
    const result = await validateSeeded('--custom-checks', file, '--checks', 'custom', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).checks).toMatchObject([{ name: 'custom:no-zero-quantity', passed: true }]);
  });
});

describe('bad input exits 2 with a message that says what to do, and writes nothing', () => {
  test('unreachable URL', async () => {
    const validate = await rxdr('validate', '--url', UNREACHABLE, '--manifest', manifestFile);
    expect(validate.code).toBe(2);
    expect(validate.stderr).toMatch(/cannot connect to 127\.0\.0\.1:1\/nowhere.*Check --url/);
    expect(validate.stdout).toBe('');

    const out = path.join(dir, 'never.json');
    const manifest = await rxdr('manifest', '--url', UNREACHABLE, '--out', out);
    expect(manifest.code).toBe(2);
    expect(manifest.stderr).toMatch(/cannot connect/);
    expect(existsSync(out)).toBe(false);

    const seed = await rxdr('seed', '--url', UNREACHABLE, '--prescriptions', '10');
    expect(seed.code).toBe(2);
    expect(seed.stderr).toMatch(/Check --url/);
  });

  test('malformed or missing manifest', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'rxdr.validation-manifest', version: 1, tables: [] }));
    const malformed = await rxdr('validate', '--url', db().url, '--manifest', bad);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/not a valid rxdr manifest: .*createdAt/);
    expect(malformed.stderr).toContain('rxdr manifest --url');
    expect(malformed.stdout).toBe('');

    writeFileSync(bad, '{ not json');
    expect((await rxdr('validate', '--url', db().url, '--manifest', bad)).code).toBe(2);

    const missing = await rxdr('validate', '--url', db().url, '--manifest', path.join(dir, 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read manifest .*nope\.json: ENOENT/);
  });

  test('unknown check name is refused before connecting', async () => {
    const result = await rxdr(
      'validate',
      '--url',
      UNREACHABLE,
      '--manifest',
      manifestFile,
      '--checks',
      'schema,checksum',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown check "checksum"; known: .*checksums/);
  });

  test('bad flag values', async () => {
    expect((await rxdr('seed', '--url', 'mysql://x/y', '--prescriptions', '10')).stderr).toMatch(
      /expected a postgres:\/\/ URL/,
    );
    const n = await rxdr('seed', '--url', db().url, '--prescriptions', 'lots');
    expect(n.code).toBe(2);
    expect(n.stderr).toMatch(/--prescriptions must be a whole number/);
    const time = await validateSeeded('--recovery-point-time', 'yesterday');
    expect(time.code).toBe(2);
    expect(time.stderr).toMatch(/ISO time/);
    const again = await rxdr('seed', '--url', db().url, '--prescriptions', '10');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists.*--replace/);
    const out = path.join(dir, 'missing-dir', 'm.json');
    const manifest = await rxdr('manifest', '--url', db().url, '--out', out);
    expect(manifest.code).toBe(2);
    expect(existsSync(out)).toBe(false);
    expect(readFileSync(manifestFile, 'utf8')).toContain('rxdr.validation-manifest');
  });

  test('--parallel and --chunk-size: the chunked manifest equals the one-table-per-task manifest, and validates', async () => {
    const chunkedFile = path.join(dir, 'chunked.json');
    const cutoff = (JSON.parse(readFileSync(manifestFile, 'utf8')) as { cutoff: string }).cutoff;
    const manifest = await rxdr(
      'manifest',
      '--url',
      db().url,
      '--out',
      chunkedFile,
      '--cutoff',
      cutoff,
      '--parallel',
      '2',
      '--chunk-size',
      '8KiB',
    );
    expect(manifest.code).toBe(0);
    const strip = (file: string) => ({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), createdAt: '' });
    expect(strip(chunkedFile)).toEqual(strip(manifestFile));
    const result = await validateSeeded('--parallel', '2', '--chunk-size', '8KiB', '--json');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { passed: boolean; chunks?: { planned: number; parallel: number } };
    expect(report.passed).toBe(true);
    expect(report.chunks?.parallel).toBe(2);
    expect(report.chunks?.planned).toBeGreaterThan(12);
  });

  test('bad --parallel and --chunk-size values exit 2 and say what to pass', async () => {
    const zero = await validateSeeded('--parallel', '0');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--parallel must be a whole number from 1 to 64, got '0'/);
    const size = await rxdr('manifest', '--url', db().url, '--out', path.join(dir, 'x.json'), '--chunk-size', 'lots');
    expect(size.code).toBe(2);
    expect(size.stderr).toMatch(/--chunk-size must be a size of at least 1024 bytes such as 2GiB/);
    const both = await validateSeeded('--parallel', '4', '--concurrency', '2');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--parallel 4 and --concurrency 2 disagree/);
  });
});
