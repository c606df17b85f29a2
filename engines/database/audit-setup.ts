import { POSTGRES_PARAMETERS } from './postgres-parameters';

/** What the audit setup needs from a database connection (a `pg` Client fits). */
export interface SqlSession {
  query(sql: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** A table whose reads and writes pgaudit logs (object audit), `schema.table`. */
export interface AuditedTable {
  readonly schema: string;
  readonly table: string;
}

/**
 * The reference pharmacy schema's tables that hold patient data (PHI): the default object-audit list of a
 * database (`auditedTables` in the configuration).
 */
export const REFERENCE_PHI_TABLES: readonly string[] = [
  'pharmacy.patient',
  'pharmacy.prescription',
  'pharmacy.fill',
  'pharmacy.claim',
  'pharmacy.pdmp_report',
];

/** The role pgaudit's object audit follows (`pgaudit.role`): a table granted to it has its reads and writes logged. */
export const AUDIT_ROLE = POSTGRES_PARAMETERS['pgaudit.role'] ?? 'rds_pgaudit';

/** Privileges granted to the audit role on each audited table: every read and write is then logged. */
export const AUDITED_PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

export interface AuditSetupResult {
  readonly extension: 'created' | 'present';
  readonly role: 'created' | 'present';
  /** Per configured table: newly granted, already granted, or not (yet) in the database. */
  readonly tables: readonly { readonly table: string; readonly grant: 'granted' | 'present' | 'missing' }[];
}

/** pgaudit cannot be created: the server lacks it, or it is not in `shared_preload_libraries` (RDS: reboot). */
export class AuditExtensionError extends Error {
  constructor(cause: string) {
    super(
      `cannot create the pgaudit extension (${cause}): the instance's parameter group must load it ` +
        `(shared_preload_libraries includes pgaudit) and the instance must have been rebooted since`,
    );
    this.name = 'AuditExtensionError';
  }
}

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/**
 * Make pgaudit audit, idempotently (every step checks before it changes, so a re-run changes nothing):
 * the `rds_pgaudit` role (NOLOGIN, no privileges but the grants below), object audit of `tables` (SELECT,
 * INSERT, UPDATE, DELETE granted to the role), then the `pgaudit` extension. A configured table that does not
 * exist yet is reported as `missing`, not an error: the next run grants it. Runs as the master user.
 */
export async function applyAuditSetup(session: SqlSession, tables: readonly AuditedTable[]): Promise<AuditSetupResult> {
  const roleExists = await exists(session, 'SELECT 1 FROM pg_roles WHERE rolname = $1', [AUDIT_ROLE]);
  if (!roleExists) await session.query(`CREATE ROLE ${quote(AUDIT_ROLE)} NOLOGIN`);
  const results: { table: string; grant: 'granted' | 'present' | 'missing' }[] = [];
  for (const { schema, table } of tables) {
    const name = `${schema}.${table}`;
    const relation = `${quote(schema)}.${quote(table)}`;
    const present = await exists(session, 'SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2', [
      schema,
      table,
    ]);
    if (!present) {
      results.push({ table: name, grant: 'missing' });
      continue;
    }
    const granted = await exists(
      session,
      `SELECT 1 WHERE ${AUDITED_PRIVILEGES.map((p) => `has_table_privilege($1, $2::regclass, '${p}')`).join(' AND ')}`,
      [AUDIT_ROLE, relation],
    );
    if (!granted)
      await session.query(`GRANT ${AUDITED_PRIVILEGES.join(', ')} ON TABLE ${relation} TO ${quote(AUDIT_ROLE)}`);
    results.push({ table: name, grant: granted ? 'present' : 'granted' });
  }
  // Last: without the library loaded this fails, and the role and grants above are then already in place.
  const extension = await ensureExtension(session);
  return { extension, role: roleExists ? 'present' : 'created', tables: results };
}

async function ensureExtension(session: SqlSession): Promise<'created' | 'present'> {
  if (await exists(session, "SELECT 1 FROM pg_extension WHERE extname = 'pgaudit'")) return 'present';
  try {
    await session.query('CREATE EXTENSION IF NOT EXISTS pgaudit');
  } catch (error) {
    throw new AuditExtensionError((error as Error).message);
  }
  return 'created';
}

async function exists(session: SqlSession, sql: string, values: unknown[] = []): Promise<boolean> {
  return (await session.query(sql, values)).rows.length > 0;
}
