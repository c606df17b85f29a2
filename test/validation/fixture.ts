import { Client } from 'pg';
import type { ValidationReport } from '../../engines/validation';
import { createDatabase, dropDatabase, TestDatabase, withDatabase } from '../helpers/postgres';

/** A copy of a (seeded) database on the same server: `CREATE DATABASE … TEMPLATE`, fast and exact. */
export async function copyDatabase(source: TestDatabase, prefix = 'copy'): Promise<TestDatabase> {
  const target = await createDatabase(prefix);
  await dropDatabase(target.name);
  const admin = new Client({ connectionString: source.adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${target.name} TEMPLATE ${source.name}`);
  } finally {
    await admin.end();
  }
  return { ...target, url: withDatabase(source.adminUrl, target.name) };
}

/**
 * `copyWith(sql)`: a fresh copy of `source` with `sql` applied as a corruption (`''`: a clean copy). Every copy
 * is dropped after the file (or the describe block this is called in).
 */
export function useCopies(source: () => TestDatabase, prefix?: string): (sql: string) => Promise<TestDatabase> {
  const copies: TestDatabase[] = [];
  afterAll(async () => {
    for (const copy of copies) await dropDatabase(copy.name);
  });
  return async (sql) => {
    const copy = await copyDatabase(source(), prefix);
    copies.push(copy);
    if (sql) await corrupt(copy, sql);
    return copy;
  };
}

/** The check `name` of a report; throws when the report has no such check. */
export function checkNamed(report: ValidationReport, name: string): ValidationReport['checks'][number] {
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check ${name} in the report`);
  return found;
}

/** Run SQL on a database as superuser with foreign-key triggers off (how a damaged restore can look). */
export async function corrupt(db: TestDatabase, sql: string): Promise<void> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query("SET session_replication_role = 'replica'");
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function queryOne<T extends Record<string, unknown>>(
  db: TestDatabase,
  sql: string,
  params: unknown[] = [],
): Promise<T> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const row = (await client.query<T>(sql, params)).rows[0];
    if (!row) throw new Error(`no row from: ${sql}`);
    return row;
  } finally {
    await client.end();
  }
}
