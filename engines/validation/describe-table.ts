import type { Client } from 'pg';
import { bucketGeometry, BucketRow, bucketQuery, BucketedTable, bucketRowsOf } from './checksum';
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
  return bucketRowsOf(
    (await client.query<{ index: string; rows: string; checksum: string }>(query.text, query.values)).rows,
  );
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
  const header = await describeTableHeader(client, spec);
  return assembleTable(header, [await describeTableRows(client, header, cutoff)]);
}

/** What a table's description needs before its rows are read: columns, key and bucket geometry. */
export interface TableHeader {
  readonly spec: TableSpec;
  readonly columns: { name: string; type: string; hash?: 'text' }[];
  readonly keyColumns: string[];
  readonly kind: 'range' | 'hash' | 'whole';
  readonly geometry: { start: number; width: number };
  /** Smallest and largest key of a range-bucketed table (absent when it is empty or not range-bucketed). */
  readonly minKey?: number;
  readonly maxKey?: number;
}

export async function describeTableHeader(client: Client, spec: TableSpec): Promise<TableHeader> {
  const exists = await client.query('SELECT to_regclass($1) IS NOT NULL AS exists', [
    qualified(spec.schema, spec.table),
  ]);
  if (!exists.rows[0]?.exists) throw new Error('does not exist');
  const columns = (await describeColumns(client, spec.schema, spec.table)).map(({ name, type, hash }) =>
    hash ? { name, type, hash } : { name, type },
  );
  if (columns.length === 0) throw new Error('has no columns');
  const keyColumns = [...(spec.keyColumns ?? (spec.keyColumn ? [spec.keyColumn] : []))];
  if (spec.keyColumn) {
    const key = ident(spec.keyColumn);
    const range = await client.query<{ min: string | null; max: string | null }>(
      `SELECT min(${key})::text AS min, max(${key})::text AS max FROM ${qualified(spec.schema, spec.table)}`,
    );
    const minKey = numberOrNull(range.rows[0]?.min);
    const maxKey = numberOrNull(range.rows[0]?.max);
    return {
      spec,
      columns,
      keyColumns,
      kind: 'range',
      geometry: bucketGeometry(minKey, maxKey),
      ...(minKey === null || maxKey === null ? {} : { minKey, maxKey }),
    };
  }
  return {
    spec,
    columns,
    keyColumns,
    kind: keyColumns.length > 0 ? 'hash' : 'whole',
    geometry: { start: 0, width: 1 },
  };
}

/** The bucket counts and checksums (and partition counts) of the described rows matching `where` over `t`. */
export interface TableRows {
  readonly entries: BucketRow[];
  /** The largest integer key among them (tables bucketed by key range; absent without such a row). */
  readonly maxKey?: string;
  readonly partitions?: { name: string; rowCount: number }[];
}

export async function describeTableRows(
  client: Client,
  header: TableHeader,
  cutoff: Date,
  where = 'true',
): Promise<TableRows> {
  const bucketed: BucketedTable = {
    ...header.spec,
    keyColumns: header.keyColumns,
    columns: header.columns,
    buckets: { ...header.geometry, kind: header.kind },
  };
  const key = header.kind === 'range' ? header.spec.keyColumn : undefined;
  const query = bucketQuery(bucketed, cutoff, where, undefined, key ? { max_key: `max(t.${ident(key)})::text` } : {});
  const rows = (
    await client.query<{ index: string; rows: string; checksum: string; max_key?: string | null }>(
      query.text,
      query.values,
    )
  ).rows;
  const maxKey = largestKey(rows.map((r) => r.max_key));
  const partitions = await partitionCounts(client, header.spec, cutoff, where);
  return {
    entries: bucketRowsOf(rows),
    ...(maxKey === undefined ? {} : { maxKey }),
    ...(partitions ? { partitions } : {}),
  };
}

/** The largest of integer keys given as decimal strings (undefined when none is given). */
function largestKey(keys: readonly (string | null | undefined)[]): string | undefined {
  return keys.reduce<string | undefined>(
    (max, k) => (k === null || k === undefined ? max : max === undefined || BigInt(k) > BigInt(max) ? k : max),
    undefined,
  );
}

/** A table's manifest from the rows of its parts (one part, or one per chunk): counts and checksums are sums. */
export function assembleTable(header: TableHeader, parts: readonly TableRows[]): TableManifest {
  const { spec, columns, keyColumns, kind, geometry } = header;
  const byIndex = new Map<number, { rows: number; checksum: bigint }>();
  for (const e of parts.flatMap((p) => p.entries)) {
    const sum = byIndex.get(e.index) ?? { rows: 0, checksum: 0n };
    byIndex.set(e.index, { rows: sum.rows + e.rows, checksum: sum.checksum + BigInt(e.checksum) });
  }
  const entries = [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, e]) => ({ index, rows: e.rows, checksum: e.checksum.toString() }));
  const maxKey = largestKey(parts.map((p) => p.maxKey));
  const partitionParts = parts.filter((p) => p.partitions);
  const partitions = partitionParts.length
    ? (partitionParts[0]?.partitions ?? []).map((p) => ({
        name: p.name,
        rowCount: partitionParts.reduce(
          (n, part) => n + (part.partitions?.find((q) => q.name === p.name)?.rowCount ?? 0),
          0,
        ),
      }))
    : undefined;
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
    ...(maxKey === undefined ? {} : { maxKey }),
    buckets: { ...geometry, ...(kind === 'range' ? {} : { kind }), entries },
  };
}

export type PartitionQuery = <R extends Record<string, unknown>>(sql: string, params: unknown[]) => Promise<R[]>;

/** Each leaf partition's count of described rows (undefined for a table that is not partitioned). */
export async function partitionCounts(
  client: Pick<Client, 'query'> | PartitionQuery,
  spec: Pick<TableSpec, 'schema' | 'table' | 'cutoffColumn'>,
  cutoff: Date,
  where = 'true',
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
    `SELECT t.tableoid::regclass::text AS name, count(*)::text AS rows FROM ${ref} t ${cut} AND (${where}) GROUP BY 1`,
    [cutoff],
  );
  const byName = new Map(counts.map((r) => [r.name, Number(r.rows)]));
  return leaves.map((l) => ({ name: l.name, rowCount: byName.get(l.name) ?? 0 }));
}

export function numberOrNull(value: string | null | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}
