import { Client } from 'pg';
import { buildManifest, Manifest, validateDatabase, ValidationReport } from '../../../engines/validation';
import { createDatabase, dropDatabase, TestDatabase } from '../../helpers/postgres';
import { copyDatabase, corrupt } from '../fixture';
import { CLINIC_MATRIX, Corruption, STORE_MATRIX, WAREHOUSE_MATRIX } from './matrix';
import { CLINIC, END, ForeignSchema, STORE, WAREHOUSE } from './schemas';

/**
 * Schemas written for these tests (not for rxdr): the manifest discovers every table by itself, a clean
 * copy and benign physical changes pass, and every corruption of the matrix fails its check, localized.
 */
async function run(db: TestDatabase, ...statements: string[]): Promise<void> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

function failing(report: ValidationReport): string[] {
  return report.checks.filter((c) => !c.passed && !c.skipped).map((c) => c.name);
}

/** Whether an offending key names `at` and, when given, a key range holding `key`. */
function localizes(keys: string[], at: string, key?: number): boolean {
  return keys.some((k) => {
    if (!k.startsWith(at)) return false;
    if (key === undefined) return true;
    const rest = k.slice(at.length);
    const single = /^=(-?\d+)/.exec(rest);
    if (single) return Number(single[1]) === key;
    const range = /^ (-?\d+)\.\.(-?\d+)/.exec(rest);
    return range !== null && Number(range[1]) <= key && key <= Number(range[2]);
  });
}

const cases: [string, ForeignSchema, Corruption[]][] = [
  [CLINIC.name, CLINIC, CLINIC_MATRIX],
  [STORE.name, STORE, STORE_MATRIX],
  [WAREHOUSE.name, WAREHOUSE, WAREHOUSE_MATRIX],
];

describe.each(cases)('the %s schema', (_name, schema, matrix) => {
  let source: TestDatabase;
  let manifest: Manifest;
  const copies: TestDatabase[] = [];

  beforeAll(async () => {
    source = await createDatabase('foreign');
    await run(source, schema.sql);
    manifest = await buildManifest({ url: source.url, cutoff: END });
  });

  afterAll(async () => {
    for (const copy of copies) await dropDatabase(copy.name);
    await dropDatabase(source.name);
  });

  async function copyWith(sql: string): Promise<TestDatabase> {
    const copy = await copyDatabase(source, 'fcopy');
    copies.push(copy);
    if (sql) await corrupt(copy, sql);
    return copy;
  }

  const validate = (copy: TestDatabase) =>
    validateDatabase({ url: copy.url, manifest, recoveryPointTime: END, rpoTargetSeconds: 120 * 86_400 });

  test('the manifest describes every table once (partitions through their parent) and says why', () => {
    const names = manifest.tables.map((t) => `${t.schema}.${t.table}`);
    expect(new Set(names).size).toBe(names.length);
    expect(names.some((n) => /_(2026_|east|west|other)/.test(n))).toBe(false);
    expect(manifest.discovery?.mode).toBe('discovered');
    for (const t of manifest.tables) expect(t.chosen?.key).toBeTruthy();
    for (const t of manifest.tables) expect(t.rowCount).toBeGreaterThan(0);
  });

  test('a clean copy passes every check', async () => {
    const report = await validate(await copyWith(''));
    expect(failing(report)).toEqual([]);
    expect(report.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'schema',
        'row-counts',
        'checksums',
        'constraints',
        'indexes',
        'sequences',
        'views',
        'extensions',
        'triggers',
        'row-level-security',
      ]),
    );
  });

  test('benign physical changes pass: VACUUM FULL, CLUSTER, every table rewritten in random order', async () => {
    const clusterable = manifest.tables.filter((t) => t.keyColumns && !t.partitions);
    const cluster = clusterable
      .map((t) => `CLUSTER "${t.schema}"."${t.table}" USING "${manifest.objects?.indexes ? pkIndex(t) : ''}"`)
      .join(';\n');
    const reorder = manifest.tables
      .map((t) => {
        const ref = `"${t.schema}"."${t.table}"`;
        return `CREATE TEMP TABLE shuffled AS SELECT * FROM ${ref} ORDER BY random();
                DELETE FROM ${ref}; INSERT INTO ${ref} SELECT * FROM shuffled; DROP TABLE shuffled;`;
      })
      .join('\n');
    for (const sql of ['VACUUM FULL', cluster, reorder]) {
      const copy = await copyWith('');
      await run(copy, "SET session_replication_role = 'replica'", sql);
      expect({ sql: sql.slice(0, 40), failing: failing(await validate(copy)) }).toEqual({
        sql: sql.slice(0, 40),
        failing: [],
      });
    }
  });

  function pkIndex(t: Manifest['tables'][number]): string {
    const prefix = `${t.schema}.`;
    const names = Object.keys(manifest.objects?.indexes ?? {}).filter((n) => n.startsWith(prefix));
    const definition = (n: string) => manifest.objects?.indexes?.[n] ?? '';
    const found = names.find(
      (n) => / UNIQUE INDEX /.test(definition(n)) && definition(n).includes(` ON ${onClause(t)} `),
    );
    return (found ?? '').slice(prefix.length);
  }

  test.each(matrix.map((c) => [c.kind, c] as const))('%s is detected and localized', async (_kind, c) => {
    const report = await validate(await copyWith(c.sql));
    const result = report.checks.find((r) => r.name === c.check);
    expect(result?.passed).toBe(false);
    expect(report.passed).toBe(false);
    const keys = result?.offendingKeys ?? [];
    expect({ keys, localized: localizes(keys, c.at, c.key) }).toEqual({ keys, localized: true });
  });
});

function onClause(t: { schema: string; table: string }): string {
  const quote = (n: string) => (/^[a-z_][a-z0-9_]*$/.test(n) ? n : `"${n.replace(/"/g, '""')}"`);
  return `${quote(t.schema)}.${quote(t.table)}`;
}
