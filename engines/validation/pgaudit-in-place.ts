import type { ClientBase } from 'pg';

/** Whether pgaudit can log the database's reads and writes, as seen from inside the database. */
export interface PgauditFinding {
  readonly check: 'pgaudit';
  readonly passed: boolean;
  /** The `pgaudit` extension is installed in this database. */
  readonly extension: boolean;
  /** The `rds_pgaudit` role exists (object auditing logs what is granted to it). */
  readonly role: boolean;
  /** `shared_preload_libraries` names pgaudit (without it the extension logs nothing). */
  readonly preloaded: boolean;
  readonly message: string;
}

/**
 * pgaudit is in place for an adopted database: the extension, the `rds_pgaudit` role and the library loaded.
 * The parameter group can be checked from the RDS API; these three only from a connection, which the
 * manifest job has.
 */
export async function pgauditInPlace(client: ClientBase): Promise<PgauditFinding> {
  const { rows } = await client.query<{ extension: boolean; role: boolean; preloaded: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pgaudit') AS extension,
            EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_pgaudit') AS role,
            coalesce(current_setting('shared_preload_libraries', true), '') ~ '(^|[ ,])pgaudit($|[ ,])' AS preloaded`,
  );
  const found = rows[0] ?? { extension: false, role: false, preloaded: false };
  const missing = [
    ...(found.preloaded ? [] : ['pgaudit in shared_preload_libraries (parameter group)']),
    ...(found.extension ? [] : ['the pgaudit extension (CREATE EXTENSION pgaudit)']),
    ...(found.role ? [] : ['the rds_pgaudit role (CREATE ROLE rds_pgaudit)']),
  ];
  return {
    check: 'pgaudit',
    passed: missing.length === 0,
    ...found,
    message: missing.length === 0 ? 'pgaudit is in place' : `pgaudit is not in place: missing ${missing.join('; ')}`,
  };
}
