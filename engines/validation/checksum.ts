import { ident } from './db';
import type { BucketManifest } from './manifest-schema';

/**
 * Checksums: `sum(hashint8extended(hash_record_extended(row, 0), 0))` over the rows at or before the
 * cut-off. PostgreSQL hashes each column with its type's own hash function (no text conversion), so this
 * is about as cheap as reading every column at all. The sum is exact (numeric), independent of row order,
 * and changes when a row is inserted, deleted, duplicated (its hash is added once more) or changed.
 *
 * The outer `hashint8extended` matters: `hash_record_extended` combines column hashes linearly
 * (`h = 31 * h + column hash`), so a plain sum of it is a sum of per-column terms and does not notice a
 * value swapped between two rows. Mixing each row hash non-linearly binds the values of a row together
 * (the corruption tests swap a value between rows to prove it). A false match needs two different
 * multisets of 64-bit hashes with equal sums, which chance alone makes negligible. Hash functions are only
 * stable within a PostgreSQL major version, so the manifest records the server version.
 *
 * Some types have no extended hash function (`json`, `xml`, `tsvector`, `point`, and arrays, composites,
 * ranges or domains of them): for such a column the row hash takes `hashtextextended(column::text, 0)`
 * instead, whose text form is deterministic because every engine session fixes the settings that shape it
 * (`sessionOptions`). The manifest marks those columns (`hash: 'text'`) so the copy is hashed alike.
 */
export function rowHash(alias: string): string {
  return `hashint8extended(hash_record_extended(${alias}, 0), 0)`;
}

/** The same mixing for a tuple of expressions (e.g. `t.seq, t.hash`). */
export function tupleHash(...expressions: string[]): string {
  return `hashint8extended(hash_record_extended(ROW(${expressions.join(', ')}), 0), 0)`;
}

/** A column as the row hash reads it: itself, or the hash of its text form when its type has no hash. */
export interface HashedColumn {
  readonly name: string;
  readonly hash?: 'text';
}

export function columnValue(column: HashedColumn, alias = 't'): string {
  const value = `${alias}.${ident(column.name)}`;
  return column.hash === 'text' ? `hashtextextended(${value}::text, 0)` : value;
}

/** The row hash of a table from its manifest columns: the whole row when every column type has a hash. */
export function tableRowHash(columns: readonly HashedColumn[]): string {
  return columns.some((c) => c.hash === 'text') ? tupleHash(...columns.map((c) => columnValue(c))) : rowHash('t');
}

/** The rows a manifest describes: `cutoffColumn <= $1`, or every row when the table has no cut-off column. */
export function cutoffCondition(cutoffColumn: string | undefined): string {
  return cutoffColumn ? `t.${ident(cutoffColumn)} <= $1` : '$1::timestamptz IS NOT NULL';
}

/** The EPCS aggregate: per prescription, a hash of (id, signed-payload SHA-256). */
export const EPCS_HASH = tupleHash('t.prescription_id', 't.epcs_payload_sha256');
export const EPCS_WHERE = 't.epcs_signed_payload IS NOT NULL OR t.epcs_payload_sha256 IS NOT NULL';

/** The FROM item of a table, aliased `t`. */
export function tableRef(schema: string, table: string): string {
  return `${ident(schema)}.${ident(table)} t`;
}

/** Bucket geometry: about 256 key ranges between the smallest and largest key. */
export function bucketGeometry(
  minKey: number | null,
  maxKey: number | null,
  target = 256,
): { start: number; width: number } {
  if (minKey === null || maxKey === null) return { start: 0, width: 1 };
  return { start: minKey, width: Math.max(1, Math.ceil((maxKey - minKey + 1) / target)) };
}

/** Number of buckets of a table bucketed by the hash of a non-integer key. */
export const HASH_BUCKETS = 256;

export interface BucketRow {
  index: number;
  rows: number;
  checksum: string;
}

/**
 * How a table's rows fall into buckets: by integer key range (`range`, the default), by the hash of a key
 * of another type (`hash`), or all in one (`whole`, a table without a key).
 */
export interface BucketedTable {
  readonly schema: string;
  readonly table: string;
  readonly keyColumn?: string;
  readonly keyColumns?: readonly string[];
  readonly cutoffColumn?: string;
  readonly columns?: readonly (HashedColumn & { type?: string })[];
  readonly buckets: Pick<BucketManifest, 'start' | 'width' | 'kind'>;
}

/** The SQL expression of a row's bucket index (`$2`/`$3` are the start and width of a range bucketing). */
export function bucketIndex(t: BucketedTable): string {
  const kind = t.buckets.kind ?? 'range';
  if (kind === 'whole' || (kind === 'range' && !t.keyColumn)) return '0';
  if (kind === 'hash') {
    const byName = new Map((t.columns ?? []).map((c) => [c.name, c]));
    const keys = (t.keyColumns ?? []).map((k) => columnValue(byName.get(k) ?? { name: k }));
    return `(${tupleHash(...keys)} & ${HASH_BUCKETS - 1})`;
  }
  // Integer division truncates toward zero as `div` does, without converting every key to numeric.
  return `((t.${ident(t.keyColumn ?? '')} - $2::bigint) / $3::bigint)`;
}

/**
 * SQL and parameters that count and hash the described rows per bucket (`extra`: alias -> more aggregates
 * per bucket). Unordered (read it with
 * `bucketRowsOf`): an `ORDER BY` makes the planner sort every row by its bucket instead of hashing ~256 groups.
 */
export function bucketQuery(
  t: BucketedTable,
  cutoff: Date,
  where = 'true',
  hashExpr = tableRowHash(t.columns ?? []),
  extra: Readonly<Record<string, string>> = {},
): { text: string; values: unknown[] } {
  const index = bucketIndex(t);
  const more = Object.entries(extra)
    .map(([alias, sql]) => `, ${sql} AS "${alias}"`)
    .join('');
  const text =
    `SELECT ${index}::bigint AS index, count(*)::bigint AS rows, coalesce(sum(${hashExpr}), 0)::text AS checksum${more} ` +
    `FROM ${tableRef(t.schema, t.table)} WHERE ${cutoffCondition(t.cutoffColumn)} AND (${where}) GROUP BY 1`;
  return { text, values: index.includes('$2') ? [cutoff, t.buckets.start, t.buckets.width] : [cutoff] };
}

/** The rows of a `bucketQuery`, in bucket order (a row without a key, bucket NULL, last as index 0). */
export function bucketRowsOf(rows: readonly { index: unknown; rows: unknown; checksum: unknown }[]): BucketRow[] {
  const last = (index: unknown): number => (index === null || index === undefined ? 1 : 0);
  return [...rows]
    .sort((a, b) => last(a.index) - last(b.index) || Number(a.index) - Number(b.index))
    .map((r) => ({ index: Number(r.index), rows: Number(r.rows), checksum: String(r.checksum) }));
}

/** Key ranges (or key-hash buckets) whose count or checksum differ between a manifest and a copy. */
export function differingRanges(t: BucketedTable, expected: BucketManifest, actual: BucketRow[], limit = 5): string[] {
  const label = `${t.schema}.${t.table}`;
  const wanted = new Map(expected.entries.map((e) => [e.index, e]));
  const found = new Map(actual.map((a) => [a.index, a]));
  const indexes = [...new Set([...wanted.keys(), ...found.keys()])].sort((a, b) => a - b);
  const ranges: string[] = [];
  const kind = expected.kind ?? (t.keyColumn ? 'range' : 'whole');
  for (const index of indexes) {
    const e = wanted.get(index);
    const a = found.get(index);
    if (e && a && e.rows === a.rows && e.checksum === a.checksum) continue;
    ranges.push(describeBucket(label, kind, t, expected, index));
    if (ranges.length >= limit) break;
  }
  return ranges;
}

function describeBucket(
  label: string,
  kind: 'range' | 'hash' | 'whole',
  t: BucketedTable,
  expected: BucketManifest,
  index: number,
): string {
  if (kind === 'whole') return `${label} (whole table: it has no key)`;
  if (kind === 'hash') return `${label} (${(t.keyColumns ?? []).join(', ')}) hash bucket ${index} of ${HASH_BUCKETS}`;
  const low = expected.start + index * expected.width;
  const high = low + expected.width - 1;
  const key = t.keyColumn ?? '';
  return expected.width === 1 ? `${label} ${key}=${low}` : `${label} ${key} ${low}..${high}`;
}
