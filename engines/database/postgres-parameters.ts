/**
 * Parameters every PostgreSQL instance rxdr creates gets, the reference instance and its replicas alike, so
 * a promoted replica keeps TLS-only connections and database-level audit (HIPAA 164.312(b), (e)).
 * pgaudit logs DDL and role/privilege changes for the whole instance and, for tables granted to
 * rds_pgaudit, reads and writes; statement parameters are not logged (they may hold patient data).
 */
export const POSTGRES_PARAMETERS: Readonly<Record<string, string>> = {
  'rds.force_ssl': '1',
  shared_preload_libraries: 'pg_stat_statements,pgaudit',
  'pgaudit.log': 'ddl,role',
  'pgaudit.role': 'rds_pgaudit',
  'pgaudit.log_parameter': '0',
  'pgaudit.log_catalog': '0',
};
