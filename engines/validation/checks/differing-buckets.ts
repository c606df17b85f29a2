import { BucketRow, bucketQuery, bucketRowsOf, differingRanges } from '../checksum';
import type { TableManifest } from '../manifest-schema';
import type { CheckContext } from './check';

/**
 * A table whose rows before the cut-off differ from the manifest, compared bucket by bucket (one grouped
 * scan of the table, shared by every check of a validation that asks): the checksum checks name the
 * differing key ranges, and the invariant checks limit their work to them.
 */
const memo = new WeakMap<CheckContext, Map<string, Promise<BucketRow[]>>>();

/**
 * The count and checksum of `t`'s rows at or before the cut-off per bucket (one grouped scan per validation:
 * a table pass that finds the table differing reads its exact old rows from it too).
 */
export function bucketRows(context: CheckContext, t: TableManifest): Promise<BucketRow[]> {
  let tables = memo.get(context);
  if (!tables) memo.set(context, (tables = new Map()));
  const label = `${t.schema}.${t.table}`;
  let rows = tables.get(label);
  if (!rows) {
    const query = bucketQuery(t, context.cutoff);
    rows = context
      .query<{ index: string; rows: string; checksum: string }>(query.text, query.values)
      .then(bucketRowsOf);
    rows.catch(() => undefined);
    tables.set(label, rows);
  }
  return rows;
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
