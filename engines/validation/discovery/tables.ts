import type { ClientBase } from 'pg';
import type { TableSpec } from '../types';
import { describeColumns, qualified } from './column-hash';
import { chooseCutoff } from './cutoff';
import { exclusionReason, TableSelection } from './filter';
import { chooseKey } from './key';

export interface Discovery {
  readonly tables: TableSpec[];
  /** Tables found but left out, and why. */
  readonly skipped: { table: string; reason: string }[];
}

/**
 * Every user table: ordinary and partitioned tables (a partition is described through its parent) in
 * every schema but the system ones (`pg_*`, `information_schema`), except tables an extension owns; then
 * the selection's filters. Each table gets its key and cut-off column with the reason for the choice.
 */
export async function discoverTables(client: ClientBase, selection: TableSelection = {}): Promise<Discovery> {
  const { rows } = await client.query<{ schema: string; table: string }>(
    `SELECT n.nspname AS schema, c.relname AS table
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d
                         WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
      ORDER BY 1, 2`,
  );
  const tables: TableSpec[] = [];
  const skipped: { table: string; reason: string }[] = [];
  for (const { schema, table } of rows) {
    const reason = exclusionReason(schema, table, selection);
    if (reason) {
      skipped.push({ table: `${schema}.${table}`, reason });
      continue;
    }
    tables.push(await specOf(client, schema, table, selection.cutoffColumns?.[`${schema}.${table}`]));
  }
  for (const wanted of selection.schemas ?? [])
    if (!rows.some((r) => r.schema === wanted)) throw new Error(`schema ${wanted} has no tables (or does not exist)`);
  return { tables, skipped };
}

async function specOf(
  client: ClientBase,
  schema: string,
  table: string,
  configuredCutoff: string | undefined,
): Promise<TableSpec> {
  const key = await chooseKey(client, qualified(schema, table));
  const columns = await describeColumns(client, schema, table);
  let cutoff;
  try {
    cutoff = chooseCutoff(columns, configuredCutoff);
  } catch (error) {
    throw new Error(`table ${schema}.${table}: ${(error as Error).message}`);
  }
  return {
    schema,
    table,
    ...(key.keyColumn ? { keyColumn: key.keyColumn } : {}),
    keyColumns: key.keyColumns,
    ...(cutoff.column ? { cutoffColumn: cutoff.column } : {}),
    chosen: { key: key.reason, cutoff: cutoff.reason },
  };
}
