import type { Client } from 'pg';
import { bucketGeometry, BucketRow, bucketQuery, BucketedTable } from './checksum';
import { ident } from './db';
import { describeColumns, qualified } from './discovery/column-hash';
import type { TableManifest } from './manifest-schema';
import type { TableSpec } from './types';

/** Count and checksum a bucketed table's described rows per bucket (one scan). */
export async function bucketRows(
  client: Client,
  table: BucketedTable,
  cutoff: Date,
  where?: string,
  hashExpr?: string,
): Promise<BucketRow[]> {
  const query = bucketQuery(table, cutoff, where, hashExpr);
  const result = await client.query<{ index: string; rows: string; checksum: string }>(query.text, query.values);
  return result.rows.map((r) => ({ index: Number(r.index), rows: Number(r.rows), checksum: r.checksum }));
}

/**
 * Count and checksum one table per bucket (one scan), with its column list (columns whose type has no
 * extended hash are marked and hashed by their text form) and, for a partitioned table, each partition's
 * count. Any error names the table.
 */
export async function describeTable(client: Client, spec: TableSpec, cutoff: Date): Promise<TableManifest> {
  try {
    return await describe(client, spec, cutoff);
  } catch (error) {
    throw new Error(`table ${spec.schema}.${spec.table}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function describe(client: Client, spec: TableSpec, cutoff: Date): Promise<TableManifest> {
  const exists = await client.query('SELECT to_regclass($1) IS NOT NULL AS exists', [
    qualified(spec.schema, spec.table),
  ]);
  if (!exists.rows[0]?.exists) throw new Error('does not exist');
  const columns = (await describeColumns(client, spec.schema, spec.table)).map(({ name, type, hash }) =>
    hash ? { name, type, hash } : { name, type },
  );
  if (columns.length === 0) throw new Error('has no columns');
  const keyColumns = spec.keyColumns ?? (spec.keyColumn ? [spec.keyColumn] : []);
  let geometry = { start: 0, width: 1 };
  let kind: 'range' | 'hash' | 'whole' = 'whole';
  if (spec.keyColumn) {
    kind = 'range';
    const key = ident(spec.keyColumn);
    const range = await client.query<{ min: string | null; max: string | null }>(
      `SELECT min(${key})::text AS min, max(${key})::text AS max FROM ${qualified(spec.schema, spec.table)}`,
    );
    geometry = bucketGeometry(numberOrNull(range.rows[0]?.min), numberOrNull(range.rows[0]?.max));
  } else if (keyColumns.length > 0) {
    kind = 'hash';
    geometry = { start: 0, width: 1 };
  }
  const bucketed: BucketedTable = { ...spec, keyColumns, columns, buckets: { ...geometry, kind } };
  const entries = await bucketRows(client, bucketed, cutoff);
  const partitions = await partitionCounts(client, spec, cutoff);
  return {
    schema: spec.schema,
    table: spec.table,
    ...(spec.keyColumn ? { keyColumn: spec.keyColumn } : {}),
    ...(keyColumns.length ? { keyColumns: [...keyColumns] } : {}),
    ...(spec.cutoffColumn ? { cutoffColumn: spec.cutoffColumn } : {}),
    columns,
    ...(spec.chosen ? { chosen: { ...spec.chosen } } : {}),
    ...(partitions ? { partitions } : {}),
    rowCount: entries.reduce((n, e) => n + e.rows, 0),
    checksum: entries.reduce((s, e) => s + BigInt(e.checksum), 0n).toString(),
    buckets: { ...geometry, ...(kind === 'range' ? {} : { kind }), entries },
  };
}

export type PartitionQuery = <R extends Record<string, unknown>>(sql: string, params: unknown[]) => Promise<R[]>;

/** Each leaf partition's count of described rows (undefined for a table that is not partitioned). */
export async function partitionCounts(
  client: Pick<Client, 'query'> | PartitionQuery,
  spec: Pick<TableSpec, 'schema' | 'table' | 'cutoffColumn'>,
  cutoff: Date,
): Promise<{ name: string; rowCount: number }[] | undefined> {
  const ref = qualified(spec.schema, spec.table);
  const run: PartitionQuery =
    typeof client === 'function' ? client : async (sql, params) => (await client.query(sql, params)).rows;
  const leaves = await run<{ name: string }>(
    `SELECT p.relid::regclass::text AS name FROM pg_partition_tree($1::regclass) p
       JOIN pg_class c ON c.oid = $1::regclass WHERE c.relkind = 'p' AND p.isleaf ORDER BY 1`,
    [ref],
  );
  if (leaves.length === 0) return undefined;
  const cut = spec.cutoffColumn ? `WHERE t.${ident(spec.cutoffColumn)} <= $1` : 'WHERE $1::timestamptz IS NOT NULL';
  const counts = await run<{ name: string; rows: string }>(
    `SELECT t.tableoid::regclass::text AS name, count(*)::text AS rows FROM ${ref} t ${cut} GROUP BY 1`,
    [cutoff],
  );
  const byName = new Map(counts.map((r) => [r.name, Number(r.rows)]));
  return leaves.map((l) => ({ name: l.name, rowCount: byName.get(l.name) ?? 0 }));
}

export function numberOrNull(value: string | null | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}
