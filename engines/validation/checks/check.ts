import { cutoffCondition, HashedColumn, tableRowHash } from '../checksum';
import { ident } from '../db';
import type { Manifest, TableManifest } from '../manifest-schema';
import type { CheckSuite } from '../types';

/** Aggregates a check needs from the single shared pass over one table. */
export interface PassContribution {
  readonly schema: string;
  readonly table: string;
  /** alias -> aggregate SQL over `t` (the table); $1 is the cut-off, $2 the recovery point time. */
  readonly select: Record<string, string>;
  /**
   * How each aggregate of disjoint key ranges combines into the whole table's (a check that partitions by
   * key range declares one for every alias it selects).
   */
  readonly combine?: Record<string, PassCombine>;
  /**
   * The relation scanned as `t` when it is not `schema.table` itself (e.g. an adopter's table under the
   * reference names), given the SQL of every aggregate of the table's pass.
   */
  readonly from?: (passSql: string) => string;
  /**
   * The aliases whose aggregates read only new rows (after the cut-off, or without a cut-off value): the
   * pass may compute them over the key range that holds the new rows instead of the whole table.
   */
  readonly newOnly?: readonly string[];
}

/** `sum` of numbers or decimal strings, `max` of timestamps, `concat` of arrays (NULL when every part is NULL). */
/** `max`: the latest timestamp; `max-key`/`min-key`: the largest/smallest key (integers compared as integers). */
export type PassCombine = 'sum' | 'max' | 'max-key' | 'min-key' | 'concat';

export type PassRow = Record<string, unknown>;

/** What the copy's server offers that the checks' SQL may use, read once before the passes are planned. */
export interface CopyServer {
  /** `hashbyteaextended(bytea, bigint)` exists (PostgreSQL 18 and later). */
  readonly hashesBytea: boolean;
}

export interface CheckContext {
  readonly manifest: Manifest;
  readonly cutoff: Date;
  readonly recoveryPointTime: Date;
  readonly rpoTargetSeconds: number;
  /** The copy's server, as the passes were planned for it (absent: only what every supported version offers). */
  readonly server?: CopyServer;
  /** The shared pass over a table (rejects when the table cannot be read). */
  pass(schema: string, table: string): Promise<PassRow>;
  /**
   * Run a read-only query on a pooled connection. `isolated`: in its own READ ONLY transaction with the
   * extended protocol (one statement only), for SQL that does not come from rxdr.
   */
  query<R extends Record<string, unknown>>(sql: string, params?: unknown[], mode?: 'isolated'): Promise<R[]>;
  table(schema: string, table: string): TableManifest | undefined;
  /**
   * The key ranges of a table already found to differ by a chunked pass (undefined: not chunked, so the
   * check narrows a mismatch itself).
   */
  localized?(schema: string, table: string): string[] | undefined;
}

export interface CheckOutcome {
  readonly passed: boolean;
  readonly measured: Record<string, unknown>;
  readonly offendingKeys: string[];
}

export interface CheckDefinition {
  readonly name: string;
  readonly suite: CheckSuite;
  readonly description: string;
  /**
   * `key-range`: the check's work is its table passes, whose aggregates combine over key ranges (it
   * declares `combine` for each), so chunks of a table can compute them apart. `whole-table` (the
   * default): it needs whole tables or joins, and runs in the whole-table step after the chunks.
   */
  readonly partitioning?: 'key-range' | 'whole-table';
  /** Whether the check applies to this manifest (pharmacy checks need the pharmacy section). */
  applies?(manifest: Manifest): boolean;
  passes?(manifest: Manifest, server?: CopyServer): PassContribution[];
  run(context: CheckContext): Promise<CheckOutcome>;
}

export const MAX_KEYS = 5;

/** Numbers from PostgreSQL bigint/numeric text. */
export function num(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

export function keysOf(value: unknown, prefix: string, limit = MAX_KEYS): string[] {
  if (!Array.isArray(value)) return [];
  return (value as unknown[])
    .map((v) => Number(v))
    .sort((a, b) => a - b)
    .slice(0, limit)
    .map((k) => `${prefix}${k}`);
}

/**
 * The aggregates every table pass computes for the generic checks and for the manifest gate of the
 * pharmacy checks (identical SQL, so the shared pass computes them once): the count and checksum of the
 * rows at or before the cut-off (`$1`), and scalars about every other row ("new" rows: after the cut-off,
 * or with no cut-off value at all): how many, the smallest key and the largest old key; and how many rows,
 * old or new, have no key. No key travels to the client: the checks read the new rows again in SQL (see
 * `TableGate.newRows`).
 *
 * Each cut-off `FILTER` is evaluated on every row of the table, so the aggregates use as few as they can: the
 * new rows are counted as all rows minus the old ones (PostgreSQL computes the identical old count once), and
 * a new row without a key makes the smallest new key `KEYLESS` (`hasKeylessRow`), an aggregate fewer than counting
 * them. Old rows need no such count: the gate takes them only when they are the manifest's rows, whose key is the
 * source's primary key or a unique not-null column set. A split pass's tail never holds a row without a key, which
 * then stays in the old rows' difference and fails their match with the manifest (`splitPass`).
 */
export function tableAggregates(
  t: { keyColumn?: string; cutoffColumn?: string; columns?: readonly HashedColumn[] },
  newRows = true,
): Record<string, string> {
  const described = cutoffCondition(t.cutoffColumn);
  const key = t.keyColumn ? `t.${ident(t.keyColumn)}` : '';
  const isNew = t.cutoffColumn ? newRowCondition(t.cutoffColumn) : '';
  return {
    rows: `count(*) FILTER (WHERE ${described})`,
    checksum: `coalesce(sum(${tableRowHash(t.columns ?? [])}) FILTER (WHERE ${described}), 0)::text`,
    ...(newRows && t.keyColumn && t.cutoffColumn
      ? {
          new_rows: `count(*) - count(*) FILTER (WHERE ${described})`,
          new_min_key: `min(coalesce(${key}, '${KEYLESS}'::bigint)) FILTER (WHERE ${isNew})`,
          // New keys all above the old ones cannot repeat an old key, and are the index range above it.
          old_max_key: `max(${key}) FILTER (WHERE ${described})`,
        }
      : {}),
  };
}

/** The smallest new key when a new row has no key: below every smallint, integer or bigint key (a real key this
 * low reads as a missing one, which only sends the table's checks to the full path). */
export const KEYLESS = '-9223372036854775808';

/** Whether a table's pass saw a new row without a key (see `tableAggregates`). */
export function hasKeylessRow(pass: PassRow): boolean {
  return String(pass.new_min_key) === KEYLESS;
}

/** The rows a manifest does not describe ("new" rows: after the cut-off, or with no cut-off value). */
export function newRowCondition(cutoffColumn: string): string {
  return `(${cutoffCondition(cutoffColumn)}) IS NOT TRUE`;
}

/** How the aggregates of `tableAggregates` combine over key ranges. */
export const TABLE_AGGREGATES_COMBINE: Record<string, PassCombine> = {
  rows: 'sum',
  checksum: 'sum',
  new_rows: 'sum',
  new_min_key: 'min-key',
  old_max_key: 'max-key',
};

/**
 * Whether a table's rows at or before the cut-off are those the manifest describes (same count and
 * checksum: the same multiset of whole rows) and its other ("new") rows have keys that are present,
 * and unique in the whole table (so a new row cannot stand in for an old parent, target or ledger).
 * When every new key is above the largest old key (rows are appended with growing keys), the new rows are
 * exactly the key range above it, which the key index serves; otherwise they are found by the cut-off.
 */
export interface TableGate {
  readonly ok: boolean;
  readonly reason?: string;
  readonly oldRows: number;
  readonly newRows: number;
  /**
   * The new rows as a relation (a parenthesised SELECT of the whole rows, to alias): the checks verify them
   * in SQL, set-based, against the whole copy.
   */
  readonly newRelation: string;
  /**
   * The largest old key, when the new rows are exactly the keys above it (`newRelation` is that key range): a
   * check may then read them, or rows keyed by them in another table, as a range of an index.
   */
  readonly newKeysAbove?: string;
}

/** The gate's reason when the count or checksum of the rows before the cut-off differ. */
export const OLD_ROWS_DIFFER = 'rows before the cut-off differ from the manifest';

const gateMemo = new WeakMap<CheckContext, Map<string, Promise<TableGate>>>();

export function tableGate(context: CheckContext, schema: string, table: string): Promise<TableGate> {
  let memo = gateMemo.get(context);
  if (!memo) gateMemo.set(context, (memo = new Map()));
  const label = `${schema}.${table}`;
  let gate = memo.get(label);
  if (!gate) {
    gate = computeGate(context, schema, table);
    gate.catch(() => undefined);
    memo.set(label, gate);
  }
  return gate;
}

const INTEGER = /^-?\d+$/;

/** The new rows of a table: the key range above the largest old key, or those the cut-off leaves out. */
function newRelation(
  relation: string,
  t: { keyColumn?: string; cutoffColumn?: string; maxKey?: string },
  cutoff: Date,
  pass: PassRow,
  newRows: number,
): { sql: string; keyRange: boolean; above?: string } {
  if (newRows === 0) return { sql: `(SELECT * FROM ${relation} WHERE false)`, keyRange: true };
  const key = ident(t.keyColumn ?? '');
  // The pass leaves the largest old key out when the manifest records it (`passQueries`): the gate trusts it only
  // for old rows that match the manifest. Old rows that match only over a check's columns (`oldColumnsProve`) may
  // hold a changed key above it: the key range then holds them too, and they are checked as new rows.
  const oldMax = 'old_max_key' in pass ? pass.old_max_key : t.maxKey;
  const newMin = String(pass.new_min_key);
  if (oldMax === null || oldMax === undefined)
    return { sql: `(SELECT * FROM ${relation} WHERE ${key} IS NOT NULL)`, keyRange: true };
  if (INTEGER.test(String(oldMax)) && INTEGER.test(newMin) && BigInt(newMin) > BigInt(String(oldMax)))
    return {
      sql: `(SELECT * FROM ${relation} WHERE ${key} > ${String(oldMax)})`,
      keyRange: true,
      above: String(oldMax),
    };
  const described = `${ident(t.cutoffColumn ?? '')} <= '${cutoff.toISOString()}'::timestamptz`;
  return { sql: `(SELECT * FROM ${relation} WHERE (${described}) IS NOT TRUE)`, keyRange: false };
}

/**
 * The columns (`uniqueKey`) that a valid unique index covers alone: no two rows of the table can share a value
 * there, and the query that looks for a repeated new key could not find one: PostgreSQL plans it as an
 * index-only scan of the key range in that same index, so it never saw more than the index holds. An index left
 * invalid, say by a failed `CREATE UNIQUE INDEX CONCURRENTLY` over duplicates, proves nothing, and neither does a
 * partial or expression index. Read once per validation.
 */
const uniqueKey = (schema: string, table: string, column: string): string => [schema, table, column].join('\0');
const uniqueKeyMemo = new WeakMap<CheckContext, Promise<Set<string>>>();
function uniqueKeys(context: CheckContext): Promise<Set<string>> {
  let keys = uniqueKeyMemo.get(context);
  if (!keys) {
    keys = context
      .query<{ schema: string; table: string; column: string }>(
        `SELECT n.nspname AS schema, c.relname AS table, a.attname AS column
           FROM pg_catalog.pg_index i
           JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
           JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
          WHERE i.indisunique AND i.indisvalid AND i.indisready AND i.indislive
            AND i.indnkeyatts = 1 AND i.indpred IS NULL AND i.indexprs IS NULL
            AND n.nspname NOT IN ('pg_catalog', 'information_schema')`,
      )
      .then((rows) => new Set(rows.map((r) => uniqueKey(r.schema, r.table, r.column))));
    keys.catch(() => undefined);
    uniqueKeyMemo.set(context, keys);
  }
  return keys;
}

async function computeGate(context: CheckContext, schema: string, table: string): Promise<TableGate> {
  const pass = await context.pass(schema, table);
  const t = context.table(schema, table);
  const oldRows = num(pass.rows);
  const newRows = num(pass.new_rows);
  const relation = `${ident(schema)}.${ident(table)}`;
  const fresh = t ? newRelation(relation, t, context.cutoff, pass, newRows) : undefined;
  const gate = (reason?: string): TableGate => ({
    ok: reason === undefined,
    ...(reason === undefined ? {} : { reason }),
    oldRows,
    newRows,
    newRelation: fresh?.sql ?? `(SELECT * FROM ${relation} WHERE false)`,
    ...(fresh?.above === undefined ? {} : { newKeysAbove: fresh.above }),
  });
  if (!t || !fresh) return gate('table not in the manifest');
  if (oldRows !== t.rowCount || String(pass.checksum) !== t.checksum) return gate(OLD_ROWS_DIFFER);
  if (hasKeylessRow(pass)) return gate('a row has no key');
  if (newRows > 0 && !(await uniqueKeys(context)).has(uniqueKey(schema, table, t.keyColumn ?? ''))) {
    // A key range above every old key can only repeat its own keys (read in key order through the index).
    const key = ident(t.keyColumn ?? '');
    const candidates = fresh.keyRange
      ? fresh.sql
      : `(SELECT * FROM ${relation} WHERE ${key} IN (SELECT ${key} FROM ${fresh.sql} n))`;
    const dup = await context.query(`SELECT 1 AS dup FROM ${candidates} d GROUP BY ${key} HAVING count(*) > 1 LIMIT 1`);
    if (dup.length > 0) return gate('a row after the cut-off reuses a key');
  }
  return gate();
}

/** All the gates of `tables` pass and the manifest recorded that `check`'s invariant held on the source. */
export async function manifestProves(
  context: CheckContext,
  check: string,
  tables: string[],
): Promise<{ ok: boolean; reason?: string; gates: Map<string, TableGate> }> {
  const gates = new Map<string, TableGate>();
  for (const [table, gate] of await Promise.all(
    tables.map(async (t) => [t, await tableGate(context, 'pharmacy', t)] as const),
  ))
    gates.set(table, gate);
  const fact = context.manifest.pharmacy?.invariants?.[check];
  if (!fact) return { ok: false, reason: 'the manifest records no source verification of this invariant', gates };
  if (!fact.holds) return { ok: false, reason: 'the invariant did not hold on the source at the cut-off', gates };
  for (const [table, gate] of gates)
    if (!gate.ok) return { ok: false, reason: `pharmacy.${table}: ${gate.reason ?? 'differs'}`, gates };
  return { ok: true, gates };
}

/** The new rows of `table` (see `TableGate.newRelation`). */
export function newRowsOf(gates: Map<string, TableGate>, table: string): string {
  const gate = gates.get(table);
  if (!gate) throw new Error(`no gate of ${table}`);
  return gate.newRelation;
}
