import { CheckDefinition, manifestProves, MAX_KEYS, newRowsOf, num } from '../check';
import { applies, factOf, InvariantFact, modeOf, newRowsPass, SourceQuery } from './invariant';

/**
 * Invariant 3: Rx numbers are unique per pharmacy.
 *
 * - source (manifest job): Rx numbers are unique among the old prescriptions.
 * - full: `GROUP BY pharmacy_id, rx_number HAVING count(*) > 1` over every prescription.
 * - incremental: the same, over the (pharmacy, Rx number) groups of the prescriptions after the cut-off.
 */

/**
 * Up to MAX_KEYS groups of prescriptions sharing a (pharmacy, Rx number), with the number of such groups: among
 * all prescriptions, or the groups of the new ones (`newPrescriptions`, a relation).
 */
function rxDuplicatesSql(newPrescriptions?: string): string {
  return `
      SELECT count(*) OVER () AS groups, ids FROM (
        SELECT array_agg(prescription_id ORDER BY prescription_id) AS ids FROM pharmacy.prescription
         ${newPrescriptions ? `WHERE (pharmacy_id, rx_number) IN (SELECT pharmacy_id, rx_number FROM ${newPrescriptions} n)` : ''}
         GROUP BY pharmacy_id, rx_number HAVING count(*) > 1) d
      LIMIT ${MAX_KEYS}`;
}

/**
 * Source: Rx numbers are unique per pharmacy among the old prescriptions; a duplicate on the copy then
 * involves a new one.
 */
export async function rxUniquenessFact(query: SourceQuery, cutoff: Date): Promise<InvariantFact> {
  const [row] = await query(
    `SELECT count(*) AS groups FROM (
       SELECT 1 FROM pharmacy.prescription WHERE created_at <= $1
        GROUP BY pharmacy_id, rx_number HAVING count(*) > 1) d`,
    [cutoff],
  );
  return factOf({ duplicateRxNumbers: num(row?.groups) });
}

export const rxUniquenessCheck: CheckDefinition = {
  name: 'rx-uniqueness',
  suite: 'pharmacy',
  description: 'Rx numbers are unique per pharmacy',
  applies,
  passes: () => [newRowsPass('prescription')],
  async run(context) {
    const proof = await manifestProves(context, 'rx-uniqueness', ['prescription']);
    const rows = proof.ok
      ? proof.gates.get('prescription')?.newRows
        ? await context.query<{ groups: string; ids: string[] }>(
            rxDuplicatesSql(newRowsOf(proof.gates, 'prescription')),
          )
        : []
      : await context.query<{ groups: string; ids: string[] }>(rxDuplicatesSql());
    const groups = num(rows[0]?.groups);
    return {
      passed: groups === 0,
      measured: { duplicateRxNumbers: groups, ...modeOf(proof) },
      offendingKeys: rows.flatMap((r) => r.ids.map((id) => `prescription:${id}`)).slice(0, MAX_KEYS),
    };
  },
};
