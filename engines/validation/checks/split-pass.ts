import { tableRef, tableRowHash } from '../checksum';
import { ident } from '../db';
import type { TableManifest } from '../manifest-schema';
import { newRowCondition, num, PassRow, tableAggregates } from './check';

/**
 * A table pass in two queries, instead of one whose every old-row aggregate sits under a cut-off `FILTER`:
 *
 * - the whole table, unfiltered: `count(*)` and the sum of the row hashes (the content floor's own query,
 *   planned in parallel the same way), with the pass's other whole-table aggregates;
 * - the tail: the rows at or above the first key of the manifest's last non-empty key range, read through
 *   the key index: the count and hash sum of the new rows among them (after the cut-off, or without a
 *   cut-off value), the gate's new-row scalars and the aggregates that read new rows only.
 *
 * The old rows are then the whole minus the tail's new rows: the checksum is an exact sum (numeric), so the
 * difference is exact. That is the manifest's count and checksum only if every new row lies in the tail: a
 * new row below it stays in the difference, and the difference then holds a row after the cut-off, which no
 * manifest row is (every manifest row is at or before it; the row hash covers the cut-off column), so it
 * cannot match (but by a 64-bit hash sum collision, the checksums' own premise). So a match proves both
 * that the old rows are the manifest's and that the tail holds every new row (its scalars are exact).
 *
 * Without a match, the exact old count and checksum come from the grouped scan by key range that the
 * checks run on a differing table anyway (`bucketRows`): the new rows are the whole minus those, and when
 * the tail holds that many, it holds them all. Otherwise the pass is run whole, filtered, as before.
 */

/** The gate's aggregates (`tableAggregates`), which the two queries compute apart. */
const GATE = ['rows', 'checksum', 'new_rows', 'new_min_key', 'old_max_key'] as const;
const TOTAL_ROWS = 'rxdr_total_rows';
const TOTAL_CHECKSUM = 'rxdr_total_checksum';
const NEW_ROWS = 'rxdr_tail_new_rows';
const NEW_CHECKSUM = 'rxdr_tail_new_checksum';

/**
 * The first key of the manifest's last non-empty key range: a copy whose old rows are the manifest's has
 * every old key above it in that range. Undefined when the table is not bucketed by integer key range, has
 * no cut-off column or no old rows.
 */
export function tailStart(t: TableManifest): bigint | undefined {
  if ((t.buckets.kind ?? 'range') !== 'range' || !t.keyColumn || !t.cutoffColumn) return undefined;
  const last = t.buckets.entries.reduce<number | undefined>(
    (max, e) => (e.rows > 0 && (max === undefined || e.index > max) ? e.index : max),
    undefined,
  );
  if (last === undefined) return undefined;
  return BigInt(t.buckets.start) + BigInt(last) * BigInt(t.buckets.width);
}

/**
 * The largest share of the table's key range the tail may cover for the split to pay: the tail re-reads its
 * rows through the key index, which costs more per row than the whole table's scan saves by not filtering.
 * Measured on the bench database (200 000 prescriptions), one query after the other, over the four big tables:
 * with the tail at 0.5 % and 4.5 % of the keys the two queries took 0.87× and 0.94× the filtered pass, at 12.5 %
 * 1.10× (docs/performance.md, "The old rows as a difference").
 */
export const MAX_TAIL_SHARE = 0.08;

export interface SplitPass {
  /** The largest key of the copy (`max_key`), read from the key index: how much of the table the tail covers. */
  readonly probe: string;
  /** Whether the tail is small enough for the split to pay, given the probe's row. */
  pays(probe: PassRow): boolean;
  /** The unfiltered query over the whole table. */
  readonly whole: string;
  /** The query over the tail (the key range from `tailStart`). */
  readonly tail: string;
  /** The pass row from both, given the exact old rows when they do not match the manifest (`undefined`: run the pass whole). */
  combine(whole: PassRow, tail: PassRow, old?: { rows: number; checksum: string }): PassRow | undefined;
}

/**
 * The two queries of a table's pass (`select`: alias -> aggregate; `newOnly`: the aliases whose aggregates
 * read new rows only), or undefined when the pass cannot be split: no key-range buckets, or the pass does not
 * hold the gate's count and checksum as `tableAggregates` writes them.
 */
export function splitPass(
  t: TableManifest,
  select: ReadonlyMap<string, string>,
  newOnly: ReadonlySet<string>,
): SplitPass | undefined {
  const low = tailStart(t);
  if (low === undefined || !t.keyColumn || !t.cutoffColumn) return undefined;
  const gate: Record<string, string | undefined> = tableAggregates(t);
  if (!select.has('rows') || !select.has('checksum')) return undefined;
  for (const alias of GATE) if (select.has(alias) && select.get(alias) !== gate[alias]) return undefined;
  const hash = tableRowHash(t.columns);
  const isNew = newRowCondition(t.cutoffColumn);
  const as = ([alias, sql]: [string, string]): string => `${sql} AS "${alias}"`;
  const others = [...select].filter(([alias]) => !(GATE as readonly string[]).includes(alias));
  const gateTail = [...select].filter(([alias]) => alias !== 'rows' && alias !== 'checksum' && gate[alias]);
  const whole = [
    `count(*) AS "${TOTAL_ROWS}"`,
    `coalesce(sum(${hash}), 0)::text AS "${TOTAL_CHECKSUM}"`,
    ...others.filter(([alias]) => !newOnly.has(alias)).map(as),
  ];
  const tail = [
    `count(*) FILTER (WHERE ${isNew}) AS "${NEW_ROWS}"`,
    `coalesce(sum(${hash}) FILTER (WHERE ${isNew}), 0)::text AS "${NEW_CHECKSUM}"`,
    ...gateTail.map(as),
    ...others.filter(([alias]) => newOnly.has(alias)).map(as),
  ];
  const from = tableRef(t.schema, t.table);
  const internal = new Set([TOTAL_ROWS, TOTAL_CHECKSUM, NEW_ROWS, NEW_CHECKSUM]);
  const start = BigInt(t.buckets.start);
  return {
    probe: `SELECT max(t.${ident(t.keyColumn)})::text AS max_key FROM ${from}`,
    pays(probe) {
      const max = probe.max_key;
      if (max === null || max === undefined || !/^-?\d+$/.test(String(max))) return false;
      const top = BigInt(String(max));
      if (top < low) return true;
      return Number(top - low + 1n) <= MAX_TAIL_SHARE * Number(top - start + 1n);
    },
    whole: `SELECT ${whole.join(',\n  ')}\nFROM ${from}`,
    tail: `SELECT ${tail.join(',\n  ')}\nFROM ${from}\nWHERE t.${ident(t.keyColumn)} >= ${low}`,
    combine(wholeRow, tailRow, old) {
      const totalRows = num(wholeRow[TOTAL_ROWS]);
      const tailNew = num(tailRow[NEW_ROWS]);
      const rows = old ? old.rows : totalRows - tailNew;
      const checksum = old
        ? old.checksum
        : String(BigInt(String(wholeRow[TOTAL_CHECKSUM])) - BigInt(String(tailRow[NEW_CHECKSUM])));
      // Without the exact old rows, only a match with the manifest proves that the tail holds every new row;
      // with them, the count of new rows does.
      if (old ? totalRows - old.rows !== tailNew : rows !== t.rowCount || checksum !== t.checksum) return undefined;
      // Old rows none of which is in the tail: their largest key is below it, unknown here.
      if (select.has('old_max_key') && rows > 0 && (tailRow.old_max_key ?? null) === null) return undefined;
      const row: PassRow = { ...wholeRow, ...tailRow, rows: String(rows), checksum };
      for (const alias of internal) delete row[alias];
      return row;
    },
  };
}

/** The exact count and checksum of a table's old rows from its rows per key range. */
export function sumBuckets(rows: readonly { rows: number; checksum: string }[]): { rows: number; checksum: string } {
  return {
    rows: rows.reduce((sum, r) => sum + r.rows, 0),
    checksum: String(rows.reduce((sum, r) => sum + BigInt(r.checksum), 0n)),
  };
}
