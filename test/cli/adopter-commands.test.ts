import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
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

test('--exclude and --cutoff-column choose what the manifest describes, and it records the choice', async () => {
  const out = path.join(dir, 'chosen.json');
  const result = await rxdr(
    'manifest',
    '--url',
    db().url,
    '--out',
    out,
    '--schema',
    'Store',
    '--exclude',
    'Store.Ereignis*',
    '--cutoff-column',
    'Store.Line Items=',
  );
  expect(result.code).toBe(0);
  expect(result.stderr).toContain('manifest: left out Store.Ereignisprotokoll_ä: matches --exclude');
  expect(result.stderr).toContain('manifest: Store.Line Items: key primary key (OrderId, lineNo)');
  const written = JSON.parse(readFileSync(out, 'utf8')) as {
    tables: { table: string; cutoffColumn?: string; chosen?: { cutoff: string } }[];
    discovery: { exclude: string[]; skipped: { table: string }[] };
  };
  expect(written.tables.map((t) => t.table)).toEqual(['Line Items', 'Orders']);
  expect(written.tables[0]?.cutoffColumn).toBeUndefined();
  expect(written.tables[0]?.chosen?.cutoff).toMatch(/^configured: none/);
  expect(written.tables[1]?.chosen?.cutoff).toMatch(/^inferred: placedAt/);
  expect(written.discovery.exclude).toEqual(['Store.Ereignis*']);
});

test('a configured cut-off column that does not exist, or an unknown schema, exits 2 naming it', async () => {
  const out = path.join(dir, 'never.json');
  const column = await rxdr('manifest', '--url', db().url, '--out', out, '--cutoff-column', 'Store.Orders=placed_at');
  expect(column.code).toBe(2);
  expect(column.stderr).toMatch(/table Store\.Orders: configured cut-off column placed_at does not exist/);
  const schema = await rxdr('manifest', '--url', db().url, '--out', out, '--schema', 'store');
  expect(schema.code).toBe(2);
  expect(schema.stderr).toMatch(/schema store has no tables/);
});

test('--checks selects one drift check by name and --skip-checks leaves drift checks out', async () => {
  const base = ['validate', '--url', db().url, '--manifest', manifestFile, '--rpo-target', '99999999', '--json'];
  const names = (stdout: string) => (JSON.parse(stdout) as { checks: { name: string }[] }).checks.map((c) => c.name);
  const only = await rxdr(...base, '--checks', 'views,extensions');
  expect(only.code).toBe(0);
  expect(names(only.stdout)).toEqual(['views', 'extensions']);
  const skipped = await rxdr(...base, '--skip-checks', 'triggers,row-level-security,extensions');
  expect(skipped.code).toBe(0);
  expect(names(skipped.stdout)).toEqual(expect.arrayContaining(['checksums', 'views', 'constraints']));
  expect(names(skipped.stdout)).not.toEqual(expect.arrayContaining(['triggers']));
  expect(names(skipped.stdout)).not.toContain('extensions');
  const unknown = await rxdr(...base, '--skip-checks', 'trigers');
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('unknown check "trigers"');
});

test('--invariants runs a mapped pharmacy invariant by its name; the unmapped ones say "not mapped"', async () => {
  const mappings = path.join(dir, 'invariants.json');
  writeFileSync(
    mappings,
    JSON.stringify({
      'rx-uniqueness': {
        sql: 'SELECT "OrderId" FROM "Store"."Orders" GROUP BY 1 HAVING count(*) > 1',
        expect: 'no-rows',
      },
    }),
  );
  const base = ['validate', '--url', db().url, '--manifest', manifestFile, '--rpo-target', '99999999'];
  const result = await rxdr(...base, '--invariants', mappings);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/^rx-uniqueness\s+pharmacy\s+pass/m);
  expect(result.stdout).toMatch(/^cs-ledger\s+pharmacy\s+SKIP\s+\d+\s+not mapped/m);
  expect(result.stdout).toMatch(/checks passed, 6 not run \(not mapped\)/);
  const json = await rxdr(...base, '--invariants', mappings, '--json');
  const report = JSON.parse(json.stdout) as {
    passed: boolean;
    checks: { name: string; passed: boolean; skipped?: string }[];
  };
  expect(report.passed).toBe(true);
  expect(report.checks.find((c) => c.name === 'audit-chain')).toMatchObject({ passed: false, skipped: /not mapped/ });
  writeFileSync(mappings, JSON.stringify({ 'ledger-balance': { sql: 'SELECT 1', expect: 'no-rows' } }));
  const wrong = await rxdr(...base, '--invariants', mappings);
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toMatch(/"ledger-balance" is not a pharmacy invariant; known: foreign-keys/);
});

describe('rxdr manifest --upload', () => {
  const s3 = mockClient(S3Client);
  let configFile: string;
  beforeAll(() => {
    const shipped = JSON.parse(
      readFileSync(path.join(__dirname, '..', '..', 'config', 'rxdr.config.json'), 'utf8'),
    ) as {
      environments: { dev: { databases: Record<string, unknown>[] } };
    };
    shipped.environments.dev.databases[0]!.validation = { exclude: ['Store.Ereignisprotokoll_*'] };
    configFile = path.join(dir, 'rxdr.config.json');
    writeFileSync(configFile, JSON.stringify(shipped));
    process.env.RXDR_CONFIG = configFile;
  });
  afterAll(() => {
    delete process.env.RXDR_CONFIG;
    s3.restore();
  });
  beforeEach(() => s3.reset());

  test("writes the manifest where the drill reads it, with the database's configured table selection", async () => {
    s3.on(PutObjectCommand).resolves({ VersionId: 'v7' });
    const result = await rxdr('manifest', '--url', db().url, '--upload', '--env', 'dev', '--database', 'dispensing');
    expect(result.stderr).toContain('manifest: left out Store.Ereignisprotokoll_ä: matches --exclude');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^uploaded s3:\/\/rxdr-dev-evidence-111111111111-us-west-2\/manifests\/dispensing\.json \(version v7\): 2 tables/m,
    );
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Bucket: 'rxdr-dev-evidence-111111111111-us-west-2', Key: 'manifests/dispensing.json' });
    expect((JSON.parse(String(put?.Body)) as { tables: unknown[] }).tables).toHaveLength(2);
  });

  test('a bucket that refuses the write is a failure, not a success; missing --env or --database exits 2', async () => {
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    const refused = await rxdr('manifest', '--url', db().url, '--upload', '--env', 'dev', '--database', 'dispensing');
    expect(refused.stderr).toMatch(
      /manifest NOT uploaded: s3:\/\/rxdr-dev-evidence-111111111111-us-west-2\/manifests\/dispensing\.json: /,
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).not.toContain('uploaded');
    const usage = await rxdr('manifest', '--url', db().url, '--upload', '--env', 'dev');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--upload needs --env <environment> and --database <name>');
    const nowhere = await rxdr('manifest', '--url', db().url);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toContain('say where the manifest goes: --out <file> and/or --upload');
  });
});
