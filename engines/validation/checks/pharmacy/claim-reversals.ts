import { CheckDefinition, keysOf, manifestProves, MAX_KEYS, newRowsOf, num } from '../check';
import { applies, factOf, fullByManifest, InvariantFact, len, modeOf, newRowsPass, SourceQuery } from './invariant';

/**
 * Invariant 6: each paid B1 claim has at most one B2 reversal, every reversal points at a paid B1 of the
 * same fill, and the totals per transaction code and status match the manifest.
 *
 * - source (manifest job): no double reversal among the old claims; every old reversal points at an old paid
 *   B1 of its fill; every old B2 names its target.
 * - full: grouped reversals, the target join, and the totals of the old claims against the manifest.
 * - incremental: the claims after the cut-off, their targets and the reversal groups they join; the totals
 *   are a function of the old claims, which equal the manifest's (equal checksum).
 */

const CLAIM_KINDS: ReadonlyArray<{ code: 'B1' | 'B2' | 'B3'; status: 'paid' | 'rejected' }> = (
  ['B1', 'B2', 'B3'] as const
).flatMap((code) => (['paid', 'rejected'] as const).map((status) => ({ code, status })));

/** A reversal `r` whose target `o` is missing, or not a paid B1 of the same fill. */
const BAD_TARGET =
  "r.transaction_code <> 'B2' OR o.claim_id IS NULL OR o.transaction_code <> 'B1' OR o.status <> 'paid' " +
  'OR o.fill_id <> r.fill_id';

/** A B2 claim that names the claim it reverses. */
const LINKED_REVERSAL = "reverses_claim_id IS NOT NULL AND transaction_code = 'B2'";

/** Reversal problems among all claims: double reversals and bad targets (the unlinked B2 come from the pass). */
const REVERSALS_SQL = `
        SELECT (SELECT array_agg(k) FROM (SELECT reverses_claim_id AS k FROM pharmacy.claim WHERE ${LINKED_REVERSAL}
                  GROUP BY 1 HAVING count(*) > 1) x) AS multiple,
               (SELECT array_agg(r.claim_id)
                  FROM pharmacy.claim r LEFT JOIN pharmacy.claim o ON o.claim_id = r.reverses_claim_id
                 WHERE r.reverses_claim_id IS NOT NULL AND (${BAD_TARGET})) AS bad_target`;

/**
 * The same for the new claims (`claims`, a relation): the reversal groups of the targets they name among all
 * claims, their own targets, and the new B2s that name none. Only the new B2s and the new claims that name a
 * target take part, so only they are kept.
 */
const newReversalsSql = (claims: string): string => `
        WITH r AS MATERIALIZED (SELECT claim_id, reverses_claim_id, fill_id, transaction_code FROM ${claims} n
                                 WHERE transaction_code = 'B2' OR reverses_claim_id IS NOT NULL)
        SELECT (SELECT array_agg(k) FROM (SELECT reverses_claim_id AS k FROM pharmacy.claim WHERE ${LINKED_REVERSAL}
                  AND reverses_claim_id IN (SELECT reverses_claim_id FROM r WHERE transaction_code = 'B2')
                  GROUP BY 1 HAVING count(*) > 1) x) AS multiple,
               (SELECT array_agg(r.claim_id) FROM r LEFT JOIN pharmacy.claim o ON o.claim_id = r.reverses_claim_id
                 WHERE r.reverses_claim_id IS NOT NULL AND (${BAD_TARGET})) AS bad_target,
               (SELECT array_agg(r.claim_id) FROM r
                 WHERE r.transaction_code = 'B2' AND r.reverses_claim_id IS NULL) AS unlinked`;

/** Pass columns over every claim: B2s without a target (the full path's only per-row condition). */
function claimPassColumns(): Record<string, string> {
  return {
    claims_unlinked: `array_agg(t.claim_id) FILTER (WHERE t.transaction_code = 'B2' AND t.reverses_claim_id IS NULL)`,
  };
}

/** Pass columns with the count and amount of the old claims per transaction code and status. */
function totalColumns(): Record<string, string> {
  return Object.fromEntries(
    CLAIM_KINDS.flatMap(({ code, status }) => {
      const kind = `t.submitted_at <= $1 AND t.transaction_code = '${code}' AND t.status = '${status}'`;
      return [
        [`claims_${code}_${status}_count`, `count(*) FILTER (WHERE ${kind})`],
        [`claims_${code}_${status}_amount`, `coalesce(sum(t.amount) FILTER (WHERE ${kind}), 0)::text`],
      ];
    }),
  );
}

/**
 * Source: among the old claims no paid B1 is reversed twice, every old reversal points at an old paid B1
 * of the same fill, and every old B2 names its target. On the copy a double reversal or a bad target then
 * involves a new claim; the totals of the old claims are a function of those rows (equal checksum).
 */
export async function claimReversalsFact(query: SourceQuery, cutoff: Date): Promise<InvariantFact> {
  const [row] = await query(
    `SELECT (SELECT count(*) FROM (SELECT 1 FROM pharmacy.claim WHERE submitted_at <= $1 AND ${LINKED_REVERSAL}
                                    GROUP BY reverses_claim_id HAVING count(*) > 1) x) AS multiple,
            (SELECT count(*)
               FROM pharmacy.claim r
               LEFT JOIN pharmacy.claim o ON o.claim_id = r.reverses_claim_id AND o.submitted_at <= $1
              WHERE r.submitted_at <= $1 AND r.reverses_claim_id IS NOT NULL AND (${BAD_TARGET})) AS bad_target,
            (SELECT count(*) FROM pharmacy.claim
              WHERE submitted_at <= $1 AND transaction_code = 'B2' AND reverses_claim_id IS NULL) AS unlinked`,
    [cutoff],
  );
  return factOf({
    multiplyReversed: num(row?.multiple),
    reversalsWithBadTarget: num(row?.bad_target),
    reversalsWithoutTarget: num(row?.unlinked),
  });
}

interface ClaimTotal {
  count: number;
  amount: string;
}

export const claimReversalsCheck: CheckDefinition = {
  name: 'claim-reversals',
  suite: 'pharmacy',
  description:
    'each paid B1 claim has at most one B2 reversal, reversals point at a paid B1 of the same fill, ' +
    'totals match the manifest',
  applies,
  // When the manifest already says the check runs in full, the pass finds the unlinked B2s and the totals.
  passes: (m) => [
    newRowsPass('claim', fullByManifest(m, 'claim-reversals') ? { ...claimPassColumns(), ...totalColumns() } : {}),
  ],
  async run(context) {
    const [proof, pass] = await Promise.all([
      manifestProves(context, 'claim-reversals', ['claim']),
      context.pass('pharmacy', 'claim'),
    ]);
    const passIsFull = fullByManifest(context.manifest, 'claim-reversals');
    let r: Record<string, unknown> = {};
    const totalMismatches: Record<string, { expected: ClaimTotal; actual: ClaimTotal }> = {};
    if (proof.ok) {
      if (proof.gates.get('claim')?.newRows)
        r = (await context.query(newReversalsSql(newRowsOf(proof.gates, 'claim'))))[0] ?? {};
    } else {
      const [reversals, unlinked, totals] = await Promise.all([
        context.query(REVERSALS_SQL),
        passIsFull
          ? Promise.resolve(pass.claims_unlinked)
          : context
              .query<{ ids: unknown }>(
                "SELECT array_agg(claim_id) AS ids FROM pharmacy.claim WHERE transaction_code = 'B2' AND reverses_claim_id IS NULL",
              )
              .then((rows) => rows[0]?.ids),
        passIsFull
          ? Promise.resolve(
              CLAIM_KINDS.map(({ code, status }) => ({
                code,
                status,
                count: String(pass[`claims_${code}_${status}_count`] ?? 0),
                amount: String(pass[`claims_${code}_${status}_amount`] ?? 0),
              })),
            )
          : context.query<{ code: string; status: string; count: string; amount: string }>(
              'SELECT transaction_code AS code, status, count(*) AS count, sum(amount)::text AS amount ' +
                'FROM pharmacy.claim WHERE submitted_at <= $1 GROUP BY 1, 2',
              [context.cutoff],
            ),
      ]);
      r = { ...(reversals[0] ?? {}), unlinked };
      const expected = context.manifest.pharmacy?.claimTotals ?? [];
      for (const { code, status } of CLAIM_KINDS) {
        const e = expected.find((x) => x.code === code && x.status === status);
        const a = totals.find((x) => x.code === code && x.status === status);
        const ec = { count: e?.count ?? 0, amount: Number(e?.amount ?? 0).toFixed(2) };
        const ac = { count: num(a?.count), amount: Number(a?.amount ?? 0).toFixed(2) };
        if (ec.count !== ac.count || ec.amount !== ac.amount) {
          totalMismatches[`${code}/${status}`] = { expected: ec, actual: ac };
        }
      }
    }
    const offendingKeys = [
      ...[r.multiple, r.bad_target, r.unlinked].flatMap((ids) => keysOf(ids, 'claim:')),
      ...Object.keys(totalMismatches).map((k) => `claims ${k}`),
    ];
    const problems = {
      multiplyReversed: len(r.multiple),
      reversalsWithBadTarget: len(r.bad_target),
      reversalsWithoutTarget: len(r.unlinked),
    };
    return {
      passed: Object.values(problems).every((n) => n === 0) && Object.keys(totalMismatches).length === 0,
      measured: { ...problems, totalMismatches, ...modeOf(proof) },
      offendingKeys: offendingKeys.slice(0, MAX_KEYS),
    };
  },
};
