import { BucketRow, bucketQuery, bucketRowsOf, differingRanges, tableRowHash, tupleHash } from '../checksum';
import { ident } from '../db';
import type { Manifest, TableManifest } from '../manifest-schema';
import type { CheckContext } from './check';

/**
 * A table whose rows before the cut-off differ from the manifest, compared bucket by bucket (one grouped
 * scan of the table, shared by every check of a validation that asks): the checksum checks name the
 * differing key ranges, and the invariant checks limit their work to them.
 */
interface BucketScan {
  readonly rows: BucketRow[];
  /** Per column list (`columnsKey`) the manifest records an old-rows checksum of: the sum over every bucket. */
  readonly oldColumns: ReadonlyMap<string, { rows: number; checksum: string }>;
}
const memo = new WeakMap<CheckContext, Map<string, Promise<BucketScan>>>();

export const columnsKey = (columns: readonly string[]): string => columns.join('\0');

/**
 * The column lists of `t` whose old-rows checksum the manifest records for an invariant that held on the
 * source (`invariants.*.oldColumns`), each as its key and hash expression.
 */
function oldColumnLists(manifest: Manifest, t: TableManifest): Map<string, string> {
  const lists = new Map<string, string>();
  for (const fact of Object.values(manifest.pharmacy?.invariants ?? {})) {
    const o = fact.oldColumns;
    if (!fact.holds || !o || o.schema !== t.schema || o.table !== t.table) continue;
    lists.set(columnsKey(o.columns), tupleHash(...o.columns.map((c) => `t.${ident(c)}`)));
  }
  return lists;
}

function bucketScan(context: CheckContext, t: TableManifest): Promise<BucketScan> {
  let tables = memo.get(context);
  if (!tables) memo.set(context, (tables = new Map()));
  const label = `${t.schema}.${t.table}`;
  let scan = tables.get(label);
  if (!scan) {
    // The old-rows checksums over fewer columns ride on the same scan: one more hash per old row.
    const lists = [...oldColumnLists(context.manifest, t)];
    const extra = Object.fromEntries(lists.map(([, hash], i) => [`old_columns_${i}`, `sum(${hash})::text`]));
    const query = bucketQuery(t, context.cutoff, 'true', tableRowHash(t.columns), extra);
    scan = context.query<Record<string, unknown>>(query.text, query.values).then((raw) => {
      const rows = bucketRowsOf(raw as { index: unknown; rows: unknown; checksum: unknown }[]);
      const total = rows.reduce((sum, r) => sum + r.rows, 0);
      const oldColumns = new Map(
        lists.map(([key], i) => {
          const sum = raw.reduce((s, r) => s + BigInt(String(r[`old_columns_${i}`] ?? 0)), 0n);
          return [key, { rows: total, checksum: String(sum) }] as const;
        }),
      );
      return { rows, oldColumns };
    });
    scan.catch(() => undefined);
    tables.set(label, scan);
  }
  return scan;
}

/**
 * The count and checksum of `t`'s rows at or before the cut-off per bucket (one grouped scan per validation:
 * a table pass that finds the table differing reads its exact old rows from it too).
 */
export async function bucketRows(context: CheckContext, t: TableManifest): Promise<BucketRow[]> {
  return (await bucketScan(context, t)).rows;
}

/**
 * The count and checksum of `t`'s rows at or before the cut-off over only `columns`, from the same grouped
 * scan; undefined when the manifest records no such checksum (for an invariant that held).
 */
export async function oldColumnsChecksum(
  context: CheckContext,
  t: TableManifest,
  columns: readonly string[],
): Promise<{ rows: number; checksum: string } | undefined> {
  return (await bucketScan(context, t)).oldColumns.get(columnsKey(columns));
}

/** The key ranges (or key-hash buckets) of `t` whose count or checksum differ from the manifest, as labels. */
export async function differingRangeLabels(context: CheckContext, t: TableManifest): Promise<string[]> {
  return differingRanges(t, t.buckets, await bucketRows(context, t));
}

/**
 * The inclusive key ranges of `t` whose count or checksum differ from the manifest, or undefined when `t` is
 * not bucketed by integer key range (then nothing narrower than the whole table is known).
 */
export async function differingKeyRanges(
  context: CheckContext,
  t: TableManifest,
): Promise<Array<[bigint, bigint]> | undefined> {
  if ((t.buckets.kind ?? 'range') !== 'range' || !t.keyColumn) return undefined;
  const found = new Map((await bucketRows(context, t)).map((r) => [r.index, r]));
  const wanted = new Map(t.buckets.entries.map((e) => [e.index, e]));
  const ranges: Array<[bigint, bigint]> = [];
  for (const index of new Set([...wanted.keys(), ...found.keys()])) {
    const [e, a] = [wanted.get(index), found.get(index)];
    if (e && a && e.rows === a.rows && e.checksum === a.checksum) continue;
    const low = BigInt(t.buckets.start) + BigInt(index) * BigInt(t.buckets.width);
    ranges.push([low, low + BigInt(t.buckets.width) - 1n]);
  }
  return ranges;
}
