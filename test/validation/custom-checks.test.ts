import { buildManifest, loadCustomChecks, Manifest, validateDatabase } from '../../engines/validation';
import { seedDatabase } from '../../lib/seed';
import { useTestDatabase } from '../helpers/postgres';
import { queryOne } from './fixture';

const END = new Date('2026-11-01T00:00:00Z');
const db = useTestDatabase('custom');
let manifest: Manifest;

beforeAll(async () => {
  await seedDatabase({ url: db().url, prescriptions: 300, seed: 3, endTime: END, historyDays: 30 });
  manifest = await buildManifest({ url: db().url, cutoff: END });
});

const run = (sql: string, expect: 'no-rows' | 'true') =>
  validateDatabase({
    url: db().url,
    manifest,
    recoveryPointTime: END,
    checks: ['custom'],
    customChecks: [{ name: 'c', sql, expect }],
  }).then((r) => r.checks[0]!);

describe('custom checks', () => {
  test('a no-rows assertion passes when nothing is returned and reports the first column of offending rows', async () => {
    expect((await run('SELECT fill_id FROM pharmacy.fill WHERE quantity <= 0', 'no-rows')).passed).toBe(true);
    const failing = await run(
      'SELECT fill_id FROM pharmacy.fill WHERE fill_id IN (3, 1, 2) ORDER BY fill_id',
      'no-rows',
    );
    expect(failing).toMatchObject({
      name: 'custom:c',
      suite: 'custom',
      passed: false,
      offendingKeys: ['1', '2', '3'],
      measured: { rows: 3 },
    });
  });

  test('a boolean assertion passes only on a single true', async () => {
    expect((await run('SELECT count(*) > 0 FROM pharmacy.prescription;', 'true')).passed).toBe(true);
    expect((await run('SELECT count(*) = 0 FROM pharmacy.prescription', 'true')).passed).toBe(false);
    expect((await run("SELECT 'yes'", 'true')).passed).toBe(false);
  });

  test('an assertion cannot write: data-modifying SQL and stacked statements fail and change nothing', async () => {
    const before = await queryOne<{ n: string }>(db(), 'SELECT count(*) AS n FROM pharmacy.fill');
    const deleting = await run(
      'WITH d AS (DELETE FROM pharmacy.fill RETURNING fill_id) SELECT fill_id FROM d',
      'no-rows',
    );
    expect(deleting.passed).toBe(false);
    expect(deleting.error).toMatch(/read-only|DELETE|data-modifying/i);
    const stacked = await run('SELECT 1 WHERE false) x; DELETE FROM pharmacy.fill; SELECT * FROM (SELECT 1', 'no-rows');
    expect(stacked.passed).toBe(false);
    expect(stacked.error).toBeDefined();
    expect(await queryOne<{ n: string }>(db(), 'SELECT count(*) AS n FROM pharmacy.fill')).toEqual(before);
  });

  test('loadCustomChecks accepts an array or {checks}, and rejects bad entries and duplicate names', () => {
    const check = { name: 'no-negative', sql: 'SELECT 1 WHERE false', expect: 'no-rows' };
    expect(loadCustomChecks([check])).toEqual([check]);
    expect(loadCustomChecks(JSON.stringify({ checks: [check] }))).toEqual([check]);
    expect(() => loadCustomChecks([{ ...check, expect: 'maybe' }])).toThrow(/0\.expect/);
    expect(() => loadCustomChecks([check, check])).toThrow(/"no-negative" is used twice/);
    expect(() => loadCustomChecks('{nope')).toThrow(/not valid JSON/);
  });
});

describe('seedDatabase', () => {
  test('is deterministic for a seed, differs across seeds, and keeps every invariant', async () => {
    const again = await seedDatabase({
      url: db().url,
      prescriptions: 300,
      seed: 3,
      endTime: END,
      historyDays: 30,
      replace: true,
    });
    const same = await buildManifest({ url: db().url, cutoff: END });
    expect(same.tables.map((t) => [t.table, t.rowCount, t.checksum])).toEqual(
      manifest.tables.map((t) => [t.table, t.rowCount, t.checksum]),
    );
    expect(again.rows.prescription).toBe(300);

    await seedDatabase({ url: db().url, prescriptions: 300, seed: 4, endTime: END, historyDays: 30, replace: true });
    const other = await buildManifest({ url: db().url, cutoff: END });
    expect(other.tables.find((t) => t.table === 'fill')?.checksum).not.toBe(
      manifest.tables.find((t) => t.table === 'fill')?.checksum,
    );
    const report = await validateDatabase({ url: db().url, manifest: other, recoveryPointTime: END });
    expect(report.checks.filter((c) => !c.passed)).toEqual([]);
  });

  test('refuses to overwrite an existing schema unless asked', async () => {
    await expect(seedDatabase({ url: db().url, prescriptions: 10 })).rejects.toThrow(/already exists.*--replace/);
  });
});
