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
 */
export function rowHash(alias: string): string {
  return `hashint8extended(hash_record_extended(${alias}, 0), 0)`;
}

/** The same mixing for a tuple of expressions (e.g. `t.seq, t.hash`). */
export function tupleHash(...expressions: string[]): string {
  return `hashint8extended(hash_record_extended((${expressions.join(', ')}), 0), 0)`;
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

export interface BucketRow {
  index: number;
  rows: number;
  checksum: string;
}

/** SQL that counts and hashes rows at or before $1 per key bucket (params: $1 cut-off, $2 start, $3 width). */
export function bucketSql(
  schema: string,
  table: string,
  keyColumn: string,
  cutoffColumn: string,
  where = 'true',
  hashExpr = rowHash('t'),
): string {
  return (
    `SELECT div(t.${ident(keyColumn)} - $2::bigint, $3::bigint)::bigint AS index, count(*)::bigint AS rows, coalesce(sum(${hashExpr}), 0)::text AS checksum ` +
    `FROM ${tableRef(schema, table)} WHERE t.${ident(cutoffColumn)} <= $1 AND (${where}) GROUP BY 1 ORDER BY 1`
  );
}

/** Key ranges whose count or checksum differ between a manifest and a copy (up to `limit`). */
export function differingRanges(
  label: string,
  keyColumn: string,
  expected: BucketManifest,
  actual: BucketRow[],
  limit = 5,
): string[] {
  const wanted = new Map(expected.entries.map((e) => [e.index, e]));
  const found = new Map(actual.map((a) => [a.index, a]));
  const indexes = [...new Set([...wanted.keys(), ...found.keys()])].sort((a, b) => a - b);
  const ranges: string[] = [];
  for (const index of indexes) {
    const e = wanted.get(index);
    const a = found.get(index);
    if (e && a && e.rows === a.rows && e.checksum === a.checksum) continue;
    const low = expected.start + index * expected.width;
    const high = low + expected.width - 1;
    ranges.push(expected.width === 1 ? `${label} ${keyColumn}=${low}` : `${label} ${keyColumn} ${low}..${high}`);
    if (ranges.length >= limit) break;
  }
  return ranges;
}
