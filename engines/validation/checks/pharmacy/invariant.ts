import type { Manifest, OldColumns } from '../../manifest-schema';
import { PHARMACY_TABLES } from '../../schema';
import {
  hasKeylessRow,
  newRowCondition,
  OLD_ROWS_DIFFER,
  PassContribution,
  TableGate,
  tableAggregates,
} from '../check';
import type { CheckContext } from '../check';
import { oldColumnsChecksum } from '../differing-buckets';

/**
 * What the pharmacy invariant checks share: they apply to manifests with a pharmacy section, read the
 * manifest gate of each table they depend on, and report which path proved them. Their source halves
 * (run by the manifest job) return an `InvariantFact`.
 */

export const applies = (m: Manifest): boolean => m.pharmacy !== undefined;

export const spec = (table: string): { keyColumn: string; cutoffColumn: string } => {
  const t = PHARMACY_TABLES.find((x) => x.table === table);
  if (!t) throw new Error(`no pharmacy table ${table}`);
  return t;
};

/**
 * The gate of `table` plus `extra` aggregates a check needs in the same scan (SQL over `t`; `{new}` stands
 * for the new-row condition).
 */
export function newRowsPass(table: string, extra: Record<string, string> = {}): PassContribution {
  const t = spec(table);
  const isNew = newRowCondition(t.cutoffColumn);
  return {
    schema: 'pharmacy',
    table,
    select: {
      ...tableAggregates(t),
      ...Object.fromEntries(Object.entries(extra).map(([alias, sql]) => [alias, sql.replaceAll('{new}', isNew)])),
    },
  };
}

/**
 * Whether the manifest already tells that `check` runs in full (no source verification of its invariant,
 * or it did not hold): the table pass can then compute the full aggregates at once.
 */
export const fullByManifest = (m: Manifest, check: string): boolean => m.pharmacy?.invariants?.[check]?.holds !== true;

/** What the manifest job records per pharmacy check: did the invariant hold on the source's old rows. */
export interface InvariantFact {
  holds: boolean;
  measured: Record<string, number>;
  /** The old rows of one table over only the columns the invariant reads (see `oldColumnsProve`). */
  oldColumns?: OldColumns;
}
export type SourceQuery = <R extends Record<string, unknown>>(sql: string, params: unknown[]) => Promise<R[]>;

export const factOf = (measured: Record<string, number>): InvariantFact => ({
  holds: Object.values(measured).every((v) => v === 0),
  measured,
});

export function modeOf(proof: { ok: boolean; reason?: string }): Record<string, string> {
  return proof.ok ? { mode: 'incremental' } : { mode: 'full', fullReason: proof.reason ?? '' };
}

export function len(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

type Proof = { ok: boolean; reason?: string; gates: Map<string, TableGate> };

/**
 * A proof `manifestProves` refused only because `table`'s old rows differ from the manifest, made good when
 * they differ only in columns the invariant does not read: the manifest records the count and checksum of
 * the source's old rows over exactly `columns` (`oldColumns` of the check's fact), and the copy's old rows
 * have the same (summed in the grouped scan by key range that localizes the difference anyway). The old
 * rows then hold the same values of `columns`, so the source's verification covers them; the new rows are
 * still the exact relation the table's pass found (every new row has a key). Returns the proof unchanged
 * otherwise, and with `narrowed` saying what matched when it made it good.
 */
export async function oldColumnsProve(
  context: CheckContext,
  check: string,
  proof: Proof,
  table: string,
  columns: readonly string[],
): Promise<Proof & { narrowed?: string }> {
  if (proof.ok) return proof;
  const fact = context.manifest.pharmacy?.invariants?.[check];
  const o = fact?.oldColumns;
  if (!fact?.holds || !o || o.schema !== 'pharmacy' || o.table !== table || o.columns.join() !== columns.join())
    return proof;
  for (const [name, gate] of proof.gates) if (name === table ? gate.reason !== OLD_ROWS_DIFFER : !gate.ok) return proof;
  const t = context.table('pharmacy', table);
  if (!t || hasKeylessRow(await context.pass('pharmacy', table))) return proof;
  const copy = await oldColumnsChecksum(context, t, columns);
  if (!copy || copy.rows !== o.rows || copy.checksum !== o.checksum) return proof;
  return {
    ok: true,
    gates: proof.gates,
    narrowed:
      `pharmacy.${table}: ${OLD_ROWS_DIFFER}, but not in ${columns.join(', ')}: ` +
      'their checksum over the rows before the cut-off matches the manifest',
  };
}
