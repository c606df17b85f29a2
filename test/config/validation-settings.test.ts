import { App, Stack } from 'aws-cdk-lib';
import { drillFleet } from '../../lib/constructs/drill/drill-fleet';
import { environment, parsing } from '../helpers/config';

/** Per-database validation settings: discovery, cut-off columns, checks, custom checks, invariant mappings. */
const adopted = (validation: unknown) => ({
  databases: [
    {
      name: 'claims',
      tier: 'important',
      mode: 'adopt',
      instanceIdentifier: 'claims-prod',
      engineVersion: '16',
      validation,
    },
  ],
});

test('an adopted database carries its discovery, cut-off, checks, custom checks and invariant mappings', () => {
  const validation = {
    schemas: ['Store', 'billing'],
    include: ['Store.*'],
    exclude: ['Store.audit_log_*'],
    cutoffColumns: { 'Store.Orders': 'placedAt', 'billing.rates': '' },
    checks: ['generic', 'custom', 'pharmacy', '-extensions'],
    customChecks: [{ name: 'no-negative-stock', sql: 'SELECT sku FROM stock WHERE qty < 0', expect: 'no-rows' }],
    invariants: {
      'rx-uniqueness': { sql: 'SELECT rx FROM script GROUP BY store, rx HAVING count(*) > 1', expect: 'no-rows' },
    },
  };
  const env = environment(adopted(validation));
  expect(env.databases[0]?.validation).toEqual(validation);
});

test('without settings every table is described and every check runs', () => {
  expect(environment(adopted(undefined)).databases[0]?.validation).toBeUndefined();
});

test('every problem is listed with the field and the value', () => {
  const run = parsing(
    adopted({
      schemas: [''],
      include: ['orders'],
      cutoffColumns: { 'Store.Orders': 7 },
      checks: ['checksums', 'trigers'],
      customChecks: [
        { name: 'twice', sql: 'SELECT 1', expect: 'no-rows' },
        { name: 'twice', sql: 'SELECT 2', expect: 'sometimes' },
      ],
      invariants: { 'ledger-balance': { sql: 'SELECT 1', expect: 'no-rows' } },
    }),
  );
  expect(run).toThrow(/databases\[0\]\.validation\.schemas\[0\]: must be a PostgreSQL identifier.*got ""/);
  expect(run).toThrow(/validation\.include\[0\]: must be a schema\.table pattern.*got "orders"/);
  expect(run).toThrow(/validation\.cutoffColumns\.Store\.Orders: .*got 7/);
  expect(run).toThrow(/validation\.customChecks\[1\]\.expect: .*got "sometimes"/);
  expect(run).toThrow(
    /validation\.invariants\.ledger-balance: "ledger-balance" is not a pharmacy invariant; known: foreign-keys, .*epcs-signatures/,
  );
});

test('an unknown check name and a custom check name used twice are named', () => {
  const run = parsing(
    adopted({
      checks: ['checksums', '-trigers'],
      customChecks: [
        { name: 'twice', sql: 'SELECT 1', expect: 'no-rows' },
        { name: 'twice', sql: 'SELECT 2', expect: 'true' },
      ],
    }),
  );
  expect(run).toThrow(/validation\.customChecks\[1\]\.name: used twice \(got "twice"\)/);
  expect(run).toThrow(/validation\.checks: unknown check "trigers"; known: generic, pharmacy, custom, schema/);
});

test('chunked validation: parallelism and chunk size per database, out-of-range values named', () => {
  const env = environment(adopted({ parallelism: 16, chunkSizeMb: 512 }));
  expect(env.databases[0]?.validation).toMatchObject({ parallelism: 16, chunkSizeMb: 512 });
  const run = parsing(adopted({ parallelism: 41, chunkSizeMb: 0 }));
  expect(run).toThrow(/validation\.parallelism: at most 40 \(Step Functions inline Map\).*got 41/);
  expect(run).toThrow(/validation\.chunkSizeMb: at least 1.*got 0/);
});

test('the drill fleet carries a database chunk settings (chunk size in bytes)', () => {
  const config = environment(adopted({ parallelism: 8, chunkSizeMb: 512 }));
  const [db] = drillFleet(new Stack(new App(), 'Fleet'), config);
  expect(db?.chunking).toEqual({ parallelism: 8, chunkBytes: 512 * 1024 ** 2 });
  expect(drillFleet(new Stack(new App(), 'Plain'), environment(adopted(undefined)))[0]?.chunking).toBeUndefined();
});
