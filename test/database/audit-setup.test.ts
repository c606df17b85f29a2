import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { readFile } from 'node:fs/promises';
import { Client } from 'pg';
import {
  applyAuditSetup,
  AUDIT_ROLE,
  AuditExtensionError,
  REFERENCE_PHI_TABLES,
} from '../../engines/database/audit-setup';
import { auditedTables } from '../../engines/database/audit-setup-event';
import { POSTGRES_PARAMETERS } from '../../engines/database/postgres-parameters';
import { TABLES_SQL } from '../../engines/validation/schema';
import { PostgresCluster } from '../../lib/local/postgres-cluster';
import { resolvePostgresBinaries } from '../../lib/local/postgres-binaries';
import { useTestDatabase } from '../helpers/postgres';

/*
 * The audit setup (pgaudit role, object-audit grants, extension) on real PostgreSQL.
 * 1. The suite's server (embedded PostgreSQL 18, which ships no pgaudit): the role and grants, run twice, and
 *    the clear failure a server without pgaudit loaded gives (what RDS answers before the reboot that loads it).
 * 2. A PostgreSQL 15 server with pgaudit (Debian's postgresql-15-pgaudit; PGAUDIT_PG_BIN names its bin
 *    directory, default /usr/lib/postgresql/15/bin) loaded with the reference instance's parameters: the whole
 *    setup, idempotent, and a read of a PHI table written to the server log as an object audit record.
 *    RXDR_REQUIRE_PGAUDIT=1 (CI) makes its absence a failure instead of a skip.
 */

const TABLES = auditedTables([...REFERENCE_PHI_TABLES, 'pharmacy.not_created_yet']);
const db = useTestDatabase('audit');

async function session<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Privileges the audit role holds, per table, as PostgreSQL's ACLs say. */
async function auditGrants(client: Client): Promise<Record<string, string[]>> {
  const { rows } = await client.query<{ table: string; privilege: string }>(
    `SELECT table_schema || '.' || table_name AS table, privilege_type AS privilege
       FROM information_schema.role_table_grants WHERE grantee = $1 ORDER BY 1, 2`,
    [AUDIT_ROLE],
  );
  const grants: Record<string, string[]> = {};
  for (const row of rows) (grants[row.table] ??= []).push(row.privilege);
  return grants;
}

const EXPECTED_GRANTS = Object.fromEntries(
  [...REFERENCE_PHI_TABLES].sort().map((t) => [t, ['DELETE', 'INSERT', 'SELECT', 'UPDATE']]),
);

describe('audit setup on the suite PostgreSQL (no pgaudit library)', () => {
  afterAll(async () => {
    // The role is cluster-wide: drop it once this file's database (its only grants) is gone.
    await session(db().adminUrl, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${db().name} WITH (FORCE)`);
      await c.query(`DROP ROLE IF EXISTS ${AUDIT_ROLE}`);
    });
  });

  test('role and grants are in place after the first run, unchanged by the second; the extension error says what to do', async () => {
    await session(db().url, async (client) => {
      await client.query(TABLES_SQL);
      await expect(applyAuditSetup(client, TABLES)).rejects.toThrow(AuditExtensionError);
      const first = await auditGrants(client);
      expect(first).toEqual(EXPECTED_GRANTS);
      const role = await client.query('SELECT rolcanlogin, rolsuper FROM pg_roles WHERE rolname = $1', [AUDIT_ROLE]);
      expect(role.rows).toEqual([{ rolcanlogin: false, rolsuper: false }]);

      const again = applyAuditSetup(client, TABLES);
      await expect(again).rejects.toThrow(
        /cannot create the pgaudit extension \(.*pgaudit.*\): the instance's parameter group must load it \(shared_preload_libraries includes pgaudit\) and the instance must have been rebooted since/,
      );
      expect(await auditGrants(client)).toEqual(first);
    });
  });
});

const PG15 = process.env.PGAUDIT_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const hasPgaudit = existsSync(path.join(PG15, '..', 'lib', 'pgaudit.so'));
if (!hasPgaudit && process.env.RXDR_REQUIRE_PGAUDIT === '1')
  throw new Error(`RXDR_REQUIRE_PGAUDIT=1 but ${PG15}/../lib/pgaudit.so is missing: install postgresql-15-pgaudit`);

(hasPgaudit ? describe : describe.skip)('audit setup on PostgreSQL 15 with pgaudit loaded as on RDS', () => {
  let cluster: PostgresCluster;
  beforeAll(async () => {
    const audit = Object.fromEntries(
      Object.entries(POSTGRES_PARAMETERS).filter(([k]) => k.startsWith('pgaudit.') || k === 'shared_preload_libraries'),
    );
    cluster = await PostgresCluster.create({
      binaries: resolvePostgresBinaries({ PG_BIN: PG15 }),
      // pg_stat_statements is in the reference parameters too; only pgaudit matters here.
      settings: {
        ...audit,
        shared_preload_libraries: 'pgaudit',
        'pgaudit.log_parameter': 'off',
        'pgaudit.log_catalog': 'off',
      },
    });
    await cluster.start();
  }, 60_000);
  afterAll(async () => {
    await cluster?.destroy();
  });

  test('extension, role and grants on the first run; nothing changes on the second; a PHI read is audited', async () => {
    await session(cluster.url(), async (client) => {
      await client.query(TABLES_SQL);
      const first = await applyAuditSetup(client, TABLES);
      expect(first).toEqual({
        extension: 'created',
        role: 'created',
        tables: [
          ...REFERENCE_PHI_TABLES.map((table) => ({ table, grant: 'granted' })),
          { table: 'pharmacy.not_created_yet', grant: 'missing' },
        ],
      });
      const second = await applyAuditSetup(client, TABLES);
      expect(second).toEqual({
        extension: 'present',
        role: 'present',
        tables: [
          ...REFERENCE_PHI_TABLES.map((table) => ({ table, grant: 'present' })),
          { table: 'pharmacy.not_created_yet', grant: 'missing' },
        ],
      });
      expect(await auditGrants(client)).toEqual(EXPECTED_GRANTS);
      await client.query('SELECT count(*) FROM pharmacy.patient');
      await client.query('SELECT count(*) FROM pharmacy.product');
    });
    const log = await readFile(cluster.logFile, 'utf8');
    expect(log).toMatch(/AUDIT: OBJECT,\d+,\d+,READ,SELECT,TABLE,pharmacy\.patient,/);
    expect(log).not.toMatch(/AUDIT: OBJECT,.*pharmacy\.product/);
  });
});
