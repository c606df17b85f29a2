import type { ClientBase } from 'pg';
import { HashedColumn, HASH_BUCKETS } from '../checksum';
import { qualified } from '../discovery/column-hash';
import type { Chunk, TableBucketing } from './chunk';

/** Default chunk size: a few GB, so one chunk stays well inside one invocation's time budget. */
export const DEFAULT_CHUNK_BYTES = 2 * 1024 ** 3;
/** Chunks validated at once (connections, or a state machine's chunk invocations) unless configured. */
export const DEFAULT_CHUNK_PARALLELISM = 4;

/** A table as the planner sees it: its bucketing and how many buckets it has. */
export interface ChunkableTable extends TableBucketing {
  /** Buckets the table's key span covers (1 for `whole`). */
  readonly bucketCount: number;
}

/** On-disk bytes of each table (with indexes and TOAST; a partitioned table sums its partitions; missing: 0). */
export async function tableBytes(
  client: Pick<ClientBase, 'query'>,
  tables: readonly { schema: string; table: string }[],
): Promise<number[]> {
  const names = tables.map((t) => qualified(t.schema, t.table));
  const { rows } = await client.query<{ ord: number; bytes: string }>(
    `SELECT n.ord::int AS ord,
            greatest(coalesce(pg_total_relation_size(to_regclass(n.name)), 0),
                     (SELECT coalesce(sum(pg_total_relation_size(p.relid)), 0)
                        FROM pg_partition_tree(to_regclass(n.name)) p))::text AS bytes
       FROM unnest($1::text[]) WITH ORDINALITY AS n(name, ord)`,
    [names],
  );
  const bytes = new Array<number>(tables.length).fill(0);
  for (const r of rows) bytes[r.ord - 1] = Number(r.bytes);
  return bytes;
}

/**
 * Split each table into chunks of about `chunkBytes`: as many as its size needs, at most one per bucket,
 * each a run of consecutive buckets of about equal key span. A table that fits stays one chunk.
 */
export function planChunks(tables: readonly ChunkableTable[], bytes: readonly number[], chunkBytes: number): Chunk[] {
  if (!(chunkBytes > 0)) throw new Error(`chunk size must be a positive number of bytes, got ${chunkBytes}`);
  const chunks: Chunk[] = [];
  tables.forEach((t, i) => {
    const size = bytes[i] ?? 0;
    const buckets = t.kind === 'whole' ? 1 : Math.max(1, t.bucketCount);
    const count = Math.min(buckets, Math.max(1, Math.ceil(size / chunkBytes)));
    for (let c = 0; c < count; c++) {
      const firstBucket = Math.floor((c * buckets) / count);
      const lastBucket = Math.floor(((c + 1) * buckets) / count) - 1;
      chunks.push({
        id: chunks.length,
        schema: t.schema,
        table: t.table,
        kind: t.kind,
        ...(t.keyColumn ? { keyColumn: t.keyColumn } : {}),
        ...(t.keyColumns?.length ? { keyColumns: [...t.keyColumns] } : {}),
        ...(t.kind === 'hash' && t.columns?.some((col) => col.hash) ? { columns: keyColumnsOf(t) } : {}),
        start: t.start,
        width: t.width,
        firstBucket,
        lastBucket,
        first: c === 0,
        last: c === count - 1,
        bytes: Math.round(size / count),
      });
    }
  });
  return chunks;
}

/** `planChunks` with at most `maxChunks` chunks (at least one per table): the chunk size doubles until it fits. */
export function planChunksWithin(
  tables: readonly ChunkableTable[],
  bytes: readonly number[],
  chunkBytes: number,
  maxChunks = Infinity,
): Chunk[] {
  let size = chunkBytes;
  let chunks = planChunks(tables, bytes, size);
  while (chunks.length > Math.max(maxChunks, tables.length)) chunks = planChunks(tables, bytes, (size *= 2));
  return chunks;
}

function keyColumnsOf(t: ChunkableTable): HashedColumn[] {
  const keys = new Set(t.keyColumns ?? []);
  return (t.columns ?? []).filter((c) => keys.has(c.name)).map((c) => (c.hash ? { name: c.name, hash: c.hash } : c));
}

/** Buckets of a table's bucketing: the key span of a range, all hash buckets, or one. */
export function bucketCountOf(
  kind: 'range' | 'hash' | 'whole',
  width: number,
  minKey?: number,
  maxKey?: number,
): number {
  if (kind === 'hash') return HASH_BUCKETS;
  if (kind === 'whole' || minKey === undefined || maxKey === undefined) return 1;
  return Math.max(1, Math.ceil((maxKey - minKey + 1) / width));
}
