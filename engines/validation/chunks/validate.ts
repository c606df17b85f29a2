import type { Client } from 'pg';
import type { CheckDefinition, PassCombine, PassRow } from '../checks/check';
import { bucketQuery, bucketRowsOf, differingRanges, tableRef } from '../checksum';
import type { Manifest, TableManifest } from '../manifest-schema';
import { HASH_BUCKETS } from '../checksum';
import { passQueries, PrecomputedPasses } from '../validator';
import { Chunk, chunkLabel, chunkPredicate } from './chunk';
import { planChunksWithin, tableBytes } from './plan';

/**
 * Validation as chunked work. Checks that partition by key range (counts, checksums, freshness) compute
 * their table passes chunk by chunk; each chunk also compares its own count and checksum with the sum of
 * the manifest's buckets inside it, so damage is localized to the chunk (and, within it, to key ranges)
 * without a second scan of the table. The whole-table step then runs every check with those combined
 * passes (`validateDatabase` with `precomputed`): its results equal the unchunked ones.
 */
export interface ChunkVerdict {
  readonly chunk: number;
  readonly label: string;
  /** The key-range checks' aggregates over the chunk's rows (JSON-safe). */
  readonly pass: PassRow;
  /** Whether the chunk's count and checksum equal the manifest's buckets inside it. */
  readonly matches: boolean;
  /** The differing key ranges inside the chunk (empty when it matches). */
  readonly ranges: string[];
  readonly durationMs: number;
  /**
   * Set when the chunk could not be read (e.g. the table is missing in the copy): the whole-table step then
   * runs that table's pass itself, and the checks report the error exactly as without chunks.
   */
  readonly error?: string;
}

function bucketing(t: TableManifest): { kind: 'range' | 'hash' | 'whole'; bucketCount: number } {
  const kind = t.buckets.kind ?? (t.keyColumn ? 'range' : 'whole');
  if (kind === 'hash') return { kind, bucketCount: HASH_BUCKETS };
  if (kind === 'whole') return { kind, bucketCount: 1 };
  return { kind, bucketCount: Math.max(1, ...t.buckets.entries.map((e) => e.index + 1)) };
}

/**
 * Chunks of the manifest's tables, sized by their bytes in the database to validate. With `maxChunks`, the
 * chunk size doubles until the plan has at most that many chunks (a state machine's history has a limit).
 */
export async function planValidationChunks(
  client: Client,
  manifest: Manifest,
  chunkBytes: number,
  maxChunks = Infinity,
): Promise<Chunk[]> {
  const bytes = await tableBytes(client, manifest.tables);
  const tables = manifest.tables.map((t) => ({
    schema: t.schema,
    table: t.table,
    keyColumn: t.keyColumn,
    keyColumns: t.keyColumns,
    columns: t.columns,
    start: t.buckets.start,
    width: t.buckets.width,
    ...bucketing(t),
  }));
  return planChunksWithin(tables, bytes, chunkBytes, maxChunks);
}

/** The checks whose work partitions by key range. */
export function keyRangeChecks(checks: readonly CheckDefinition[]): CheckDefinition[] {
  return checks.filter((c) => c.partitioning === 'key-range');
}

/** How each pass alias of the key-range checks combines; throws when a key-range check forgot one. */
export function combineRules(checks: readonly CheckDefinition[], manifest: Manifest): Map<string, PassCombine> {
  const rules = new Map<string, PassCombine>();
  for (const check of keyRangeChecks(checks))
    for (const c of check.passes?.(manifest) ?? [])
      for (const alias of Object.keys(c.select)) {
        const rule = c.combine?.[alias];
        if (!rule)
          throw new Error(`check ${check.name} partitions by key range but does not say how ${alias} combines`);
        rules.set(`${c.schema}.${c.table}.${alias}`, rule);
      }
  return rules;
}

function jsonSafe(row: PassRow): PassRow {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]));
}

/** Validate one chunk: its share of the key-range passes, and its own count and checksum. */
export async function validateChunk(
  client: Client,
  input: { manifest: Manifest; chunk: Chunk; checks: readonly CheckDefinition[]; recoveryPointTime: Date },
  now: () => number = Date.now,
): Promise<ChunkVerdict> {
  const started = now();
  try {
    return await readChunk(client, input, started, now);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const { chunk } = input;
    return {
      chunk: chunk.id,
      label: chunkLabel(chunk),
      pass: {},
      matches: false,
      ranges: [],
      durationMs: now() - started,
      error: message,
    };
  }
}

async function readChunk(
  client: Client,
  input: { manifest: Manifest; chunk: Chunk; checks: readonly CheckDefinition[]; recoveryPointTime: Date },
  started: number,
  now: () => number,
): Promise<ChunkVerdict> {
  const { manifest, chunk } = input;
  const key = `${chunk.schema}.${chunk.table}`;
  const cutoff = new Date(manifest.cutoff);
  const query = passQueries(keyRangeChecks(input.checks), manifest).get(key);
  const predicate = chunkPredicate(chunk);
  let pass: PassRow = {};
  if (query) {
    const select = [...query.select.entries()].map(([alias, sql]) => `${sql} AS "${alias}"`).join(',\n  ');
    const sql = `SELECT ${select}\nFROM ${tableRef(chunk.schema, chunk.table)}\nWHERE ${predicate}`;
    const params = sql.includes('$2') ? [cutoff, input.recoveryPointTime] : sql.includes('$1') ? [cutoff] : [];
    pass = jsonSafe((await client.query(sql, params)).rows[0] ?? {});
  }
  const table = manifest.tables.find((t) => `${t.schema}.${t.table}` === key);
  const inChunk = (index: number) => index >= chunk.firstBucket && index <= chunk.lastBucket;
  const expected = (table?.buckets.entries ?? []).filter((e) => inChunk(e.index));
  const compared = table && 'rows' in pass && 'checksum' in pass;
  const matches =
    !compared ||
    (Number(pass.rows) === expected.reduce((n, e) => n + e.rows, 0) &&
      String(pass.checksum) === expected.reduce((s, e) => s + BigInt(e.checksum), 0n).toString());
  let ranges: string[] = [];
  if (!matches && table) {
    const grouped = bucketQuery(table, cutoff, predicate);
    const rows = await client.query<{ index: string; rows: string; checksum: string }>(grouped.text, grouped.values);
    ranges = differingRanges(table, { ...table.buckets, entries: expected }, bucketRowsOf(rows.rows));
  }
  return { chunk: chunk.id, label: chunkLabel(chunk), pass, matches, ranges, durationMs: now() - started };
}

function combineValues(rule: PassCombine, values: unknown[]): unknown {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (rule === 'sum') return present.reduce<bigint>((s, v) => s + BigInt(String(v)), 0n).toString();
  if (rule === 'concat') return present.length ? present.flatMap((v) => (Array.isArray(v) ? v : [v])) : null;
  if (rule === 'max-key') return present.length ? present.reduce((a, b) => (keyAbove(b, a) ? b : a)) : null;
  if (rule === 'min-key') return present.length ? present.reduce((a, b) => (keyAbove(a, b) ? b : a)) : null;
  const times = present.map((v) => (v instanceof Date ? v : new Date(String(v))));
  return times.length ? new Date(Math.max(...times.map((d) => d.getTime()))) : null;
}

function keyAbove(a: unknown, b: unknown): boolean {
  const integer = /^-?\d+$/;
  const [x, y] = [String(a), String(b)];
  return integer.test(x) && integer.test(y) ? BigInt(x) > BigInt(y) : x > y;
}

/** Combine every planned chunk's verdict (each exactly once) into the passes of the whole-table step. */
export function combineVerdicts(
  chunks: readonly Chunk[],
  verdicts: readonly ChunkVerdict[],
  rules: Map<string, PassCombine>,
): PrecomputedPasses {
  const byChunk = new Map<number, ChunkVerdict>();
  for (const v of verdicts) {
    if (byChunk.has(v.chunk)) throw new Error(`chunk ${v.chunk} was validated twice`);
    byChunk.set(v.chunk, v);
  }
  const missing = chunks.filter((c) => !byChunk.has(c.id)).map((c) => c.id);
  if (missing.length) throw new Error(`chunks not validated: ${missing.join(', ')}`);
  const passes: Record<string, PassRow> = {};
  const ranges: Record<string, string[]> = {};
  const tables = [...new Set(chunks.map((c) => `${c.schema}.${c.table}`))];
  for (const key of tables) {
    const parts = chunks.filter((c) => `${c.schema}.${c.table}` === key).map((c) => byChunk.get(c.id) as ChunkVerdict);
    const aliases = [...new Set(parts.flatMap((p) => Object.keys(p.pass)))];
    if (aliases.length === 0 || parts.some((p) => p.error)) continue;
    passes[key] = Object.fromEntries(
      aliases.map((alias) => {
        const rule = rules.get(`${key}.${alias}`);
        if (!rule) throw new Error(`no rule to combine ${key}.${alias}`);
        return [
          alias,
          combineValues(
            rule,
            parts.map((p) => p.pass[alias]),
          ),
        ];
      }),
    );
    ranges[key] = parts.flatMap((p) => p.ranges);
  }
  return { passes, ranges };
}
