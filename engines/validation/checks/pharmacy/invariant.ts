import type { Manifest } from '../../manifest-schema';
import { PHARMACY_TABLES } from '../../schema';
import { newRowCondition, PassContribution, tableAggregates } from '../check';

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
