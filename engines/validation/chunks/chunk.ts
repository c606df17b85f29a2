import { bucketIndex, BucketedTable, HashedColumn } from '../checksum';
import { ident } from '../db';

/** How a table is bucketed: what the chunk planner reads of a table and every chunk of it carries. */
export interface TableBucketing {
  readonly schema: string;
  readonly table: string;
  /** How the table is bucketed (`whole`: one chunk, no predicate). */
  readonly kind: 'range' | 'hash' | 'whole';
  readonly keyColumn?: string;
  readonly keyColumns?: readonly string[];
  /**
   * The hashed columns; a chunk keeps only the key columns whose type has no extended hash (hashed by their text
   * form, as the manifest does).
   */
  readonly columns?: readonly HashedColumn[];
  /** Bucket geometry of the table (range: first key and keys per bucket). */
  readonly start: number;
  readonly width: number;
}

/**
 * A unit of work small enough for one connection and one time budget: a whole table, or a run of
 * consecutive buckets of a table (a key range of an integer key, or a range of key-hash buckets).
 * Chunk boundaries are bucket boundaries, so a chunk's expected count and checksum are the sum of the
 * manifest's bucket entries inside it, and its mismatches name the same key ranges as the unchunked path.
 * Plain JSON: a chunk travels as Step Functions state.
 */
export interface Chunk extends TableBucketing {
  /** Position in the plan (0-based), stable for one plan. */
  readonly id: number;
  /** First and last bucket index of the chunk, inclusive. */
  readonly firstBucket: number;
  readonly lastBucket: number;
  /** The table's first / last chunk: open below / above, so rows outside the planned key span are counted once. */
  readonly first: boolean;
  readonly last: boolean;
  /** The table's size share of this chunk (bytes, from `pg_total_relation_size`). */
  readonly bytes: number;
}

/** `schema.table key low..high` (or the hash buckets), for reports and logs. */
export function chunkLabel(chunk: Chunk): string {
  const name = `${chunk.schema}.${chunk.table}`;
  if (chunk.kind === 'whole' || (chunk.first && chunk.last)) return `${name} (whole table)`;
  if (chunk.kind === 'hash') return `${name} hash buckets ${chunk.firstBucket}..${chunk.lastBucket}`;
  const { low, high } = keyBounds(chunk);
  return `${name} ${chunk.keyColumn ?? ''} ${low ?? '…'}..${high === undefined ? '…' : high - 1}`;
}

/** The key bounds of a range chunk: `low <= key < high`, open at the table's first and last chunk. */
export function keyBounds(chunk: Chunk): { low?: number; high?: number } {
  return {
    ...(chunk.first ? {} : { low: chunk.start + chunk.firstBucket * chunk.width }),
    ...(chunk.last ? {} : { high: chunk.start + (chunk.lastBucket + 1) * chunk.width }),
  };
}

/**
 * The SQL predicate over alias `t` that selects a chunk's rows. Bounds are integers written as literals
 * (they come from the plan, never from a user), so the predicate composes with any query's parameters.
 */
export function chunkPredicate(chunk: Chunk): string {
  if (chunk.kind === 'whole' || (chunk.first && chunk.last)) return 'true';
  if (chunk.kind === 'hash') {
    const table: BucketedTable = { ...chunk, buckets: { start: 0, width: 1, kind: 'hash' } };
    return `${bucketIndex(table)} BETWEEN ${int(chunk.firstBucket)} AND ${int(chunk.lastBucket)}`;
  }
  const key = `t.${ident(chunk.keyColumn ?? '')}`;
  const { low, high } = keyBounds(chunk);
  const bounds = [
    ...(low === undefined ? [] : [`${key} >= ${int(low)}`]),
    ...(high === undefined ? [] : [`${key} < ${int(high)}`]),
  ];
  return bounds.join(' AND ');
}

function int(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`chunk bound is not an integer: ${value}`);
  return String(value);
}
