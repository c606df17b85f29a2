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
}

/** `sum` of numbers or decimal strings, `max` of timestamps, `concat` of arrays (NULL when every part is NULL). */
/** `max`: the latest timestamp; `max-key`: the largest key (integers compared as integers). */
export type PassCombine = 'sum' | 'max' | 'max-key' | 'concat';

export type PassRow = Record<string, unknown>;

export interface CheckContext {
  readonly manifest: Manifest;
  readonly cutoff: Date;
  readonly recoveryPointTime: Date;
  readonly rpoTargetSeconds: number;
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
  passes?(manifest: Manifest): PassContribution[];
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
 * rows at or before the cut-off (`$1`), and the keys of every other row ("new" rows: after the cut-off,
 * or with no cut-off value at all), which the pharmacy checks verify one by one.
 */
export function tableAggregates(t: {
  keyColumn?: string;
  cutoffColumn?: string;
  columns?: readonly HashedColumn[];
}): Record<string, string> {
  const described = cutoffCondition(t.cutoffColumn);
  const key = t.keyColumn ? `t.${ident(t.keyColumn)}` : '';
  return {
    rows: `count(*) FILTER (WHERE ${described})`,
    checksum: `coalesce(sum(${tableRowHash(t.columns ?? [])}) FILTER (WHERE ${described}), 0)::text`,
    ...(t.keyColumn && t.cutoffColumn
      ? {
          new_keys: `array_agg(${key}) FILTER (WHERE ${newRowCondition(t.cutoffColumn)})`,
          // New keys all above the old ones cannot repeat an old key: no lookup needed (see the gate).
          old_max_key: `max(${key}) FILTER (WHERE ${described})`,
        }
      : {}),
  };
}

/**
 * The rows a manifest does not describe ("new" rows: after the cut-off, or with no cut-off value). Pass
 * columns that aggregate over new rows use exactly this filter, so their arrays line up with `new_keys`
 * (one aggregation over the same rows in the same order).
 */
export function newRowCondition(cutoffColumn: string): string {
  return `(${cutoffCondition(cutoffColumn)}) IS NOT TRUE`;
}

/** A pass column holding an array aggregated over the new rows (aligned with `new_keys`), `[]` when none. */
export function newRowArray(pass: PassRow, alias: string): unknown[] {
  const value = pass[alias];
  return Array.isArray(value) ? (value as unknown[]) : [];
}

/** How the aggregates of `tableAggregates` combine over key ranges. */
export const TABLE_AGGREGATES_COMBINE: Record<string, PassCombine> = {
  rows: 'sum',
  checksum: 'sum',
  new_keys: 'concat',
  old_max_key: 'max-key',
};

/**
 * Whether a table's rows at or before the cut-off are those the manifest describes (same count and
 * checksum: the same multiset of whole rows) and its other ("new") rows have keys that are present,
 * and unique in the whole table (so a new row cannot stand in for an old parent, target or ledger).
 * Uniqueness is decided from the pass alone when the new keys are distinct and all above the largest old
 * key (rows are appended with growing keys); otherwise by one lookup of the new keys.
 */

export interface TableGate {
  readonly ok: boolean;
  readonly reason?: string;
  readonly oldRows: number;
  /** Keys of the rows after the cut-off (decimal strings). */
  readonly newKeys: string[];
}

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

async function computeGate(context: CheckContext, schema: string, table: string): Promise<TableGate> {
  const pass = await context.pass(schema, table);
  const t = context.table(schema, table);
  const raw = Array.isArray(pass.new_keys) ? (pass.new_keys as unknown[]) : [];
  const newKeys = raw.filter((k) => k !== null && k !== undefined).map(String);
  const oldRows = num(pass.rows);
  if (!t) return { ok: false, reason: 'table not in the manifest', oldRows, newKeys };
  if (oldRows !== t.rowCount || String(pass.checksum) !== t.checksum)
    return { ok: false, reason: 'rows before the cut-off differ from the manifest', oldRows, newKeys };
  if (newKeys.length !== raw.length)
    return { ok: false, reason: 'a row after the cut-off has no key', oldRows, newKeys };
  if (newKeys.length > 0 && new Set(newKeys).size !== newKeys.length)
    return { ok: false, reason: 'a row after the cut-off reuses a key', oldRows, newKeys };
  if (newKeys.length > 0 && !allAbove(newKeys, pass.old_max_key)) {
    const key = ident(t.keyColumn ?? '');
    const dup = await context.query(
      `SELECT 1 AS dup FROM ${ident(schema)}.${ident(table)} WHERE ${key} = ANY($1::bigint[]) GROUP BY ${key} HAVING count(*) > 1 LIMIT 1`,
      [newKeys],
    );
    if (dup.length > 0) return { ok: false, reason: 'a row after the cut-off reuses a key', oldRows, newKeys };
  }
  return { ok: true, oldRows, newKeys };
}

/** Whether every key is above the largest old key (or there is no old row), compared as integers. */
function allAbove(keys: string[], oldMax: unknown): boolean {
  if (oldMax === null || oldMax === undefined) return true;
  try {
    const max = BigInt(String(oldMax));
    return keys.every((k) => BigInt(k) > max);
  } catch {
    return false; // not integers: let the lookup decide
  }
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

export function newKeysOf(gates: Map<string, TableGate>, table: string): string[] {
  return gates.get(table)?.newKeys ?? [];
}
