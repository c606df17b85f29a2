import type { Manifest } from '../../manifest-schema';
import { PHARMACY_TABLES } from '../../schema';
import { PassContribution, tableAggregates } from '../check';

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

/** Pass contributions that give the gate of each table a check reads. */
export const gatePasses =
  (...tables: string[]) =>
  (): PassContribution[] =>
    tables.map((table) => ({ schema: 'pharmacy', table, select: tableAggregates(spec(table)) }));

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
