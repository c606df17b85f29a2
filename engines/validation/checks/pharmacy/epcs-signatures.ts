import { bucketQuery, bucketRowsOf, differingRanges, EPCS_HASH, EPCS_WHERE } from '../../checksum';
import { CheckDefinition, keysOf, manifestProves, MAX_KEYS, num } from '../check';
import { applies, factOf, fullByManifest, InvariantFact, len, modeOf, newRowsPass, SourceQuery } from './invariant';

/**
 * Invariant 7: every EPCS signed payload still hashes to its recorded SHA-256, and the (id, hash) pairs
 * equal the manifest's.
 *
 * - source (manifest job): every old payload hashes to its recorded SHA-256.
 * - full: SHA-256 of every payload and the (id, hash) aggregate of the old ones against the manifest,
 *   narrowed to key ranges on a mismatch.
 * - incremental: SHA-256 of the payloads after the cut-off; the old pairs are the manifest's (equal checksum).
 */

/** A prescription `t` whose signed payload no longer hashes to its recorded SHA-256. */
const PAYLOAD_MISMATCH = 'sha256(t.epcs_signed_payload) IS DISTINCT FROM t.epcs_payload_sha256';

/** The count and (id, hash) aggregate of the old EPCS prescriptions (compared with the manifest's). */
function oldPairs(): Record<string, string> {
  const old = `t.created_at <= $1 AND (${EPCS_WHERE})`;
  return {
    epcs_rows: `count(*) FILTER (WHERE ${old})`,
    epcs_checksum: `coalesce(sum(${EPCS_HASH}) FILTER (WHERE ${old}), 0)::text`,
  };
}

/**
 * Source: every old EPCS payload hashes to its recorded SHA-256 (the manifest's EPCS aggregate fixes the
 * pairs).
 */
export async function epcsFact(query: SourceQuery, cutoff: Date): Promise<InvariantFact> {
  const [row] = await query(
    `SELECT count(*) AS bad FROM pharmacy.prescription t
      WHERE t.created_at <= $1 AND (${EPCS_WHERE}) AND ${PAYLOAD_MISMATCH}`,
    [cutoff],
  );
  return factOf({ payloadHashMismatches: num(row?.bad) });
}

export const epcsSignaturesCheck: CheckDefinition = {
  name: 'epcs-signatures',
  suite: 'pharmacy',
  description:
    'every EPCS signed payload still hashes to its recorded SHA-256, and (id, hash) pairs equal the manifest',
  applies,
  // When the manifest already says the check runs in full, the pass hashes every payload itself (with the
  // aggregate of the old pairs); otherwise only the new prescriptions' payloads are hashed, read apart.
  passes: (m) => [
    newRowsPass(
      'prescription',
      fullByManifest(m, 'epcs-signatures')
        ? {
            epcs_bad: `array_agg(t.prescription_id) FILTER (WHERE (${EPCS_WHERE}) AND ${PAYLOAD_MISMATCH})`,
            ...oldPairs(),
          }
        : {},
    ),
  ],
  async run(context) {
    const [proof, pass] = await Promise.all([
      manifestProves(context, 'epcs-signatures', ['prescription']),
      context.pass('pharmacy', 'prescription'),
    ]);
    const passIsFull = fullByManifest(context.manifest, 'epcs-signatures');
    const expected = context.manifest.pharmacy?.epcs;
    let bad: unknown;
    let rows: number;
    let matchesManifest: boolean;
    const offendingKeys: string[] = [];
    if (proof.ok) {
      // Old prescriptions are the source's (verified there; their (id, hash) pairs are the manifest's):
      // SHA-256 only for the prescriptions after the cut-off.
      const gate = proof.gates.get('prescription');
      if (gate?.newRows)
        [{ bad } = { bad: null }] = await context.query<{ bad: unknown }>(
          `SELECT array_agg(t.prescription_id) AS bad FROM ${gate.newRelation} t
            WHERE (${EPCS_WHERE}) AND ${PAYLOAD_MISMATCH}`,
        );
      rows = expected?.count ?? 0;
      matchesManifest = true;
    } else {
      const [row] = passIsFull
        ? [{ bad: pass.epcs_bad, rows: pass.epcs_rows, checksum: pass.epcs_checksum }]
        : await context.query(
            `SELECT array_agg(t.prescription_id) FILTER (WHERE ${PAYLOAD_MISMATCH}) AS bad, ${Object.entries(oldPairs())
              .map(([alias, sql]) => `${sql} AS ${alias.replace('epcs_', '')}`)
              .join(', ')}
               FROM pharmacy.prescription t WHERE ${EPCS_WHERE}`,
            [context.cutoff],
          );
      bad = row?.bad;
      rows = num(row?.rows);
      matchesManifest = !expected || (expected.count === rows && expected.checksum === String(row?.checksum));
      if (!matchesManifest && expected) {
        const table = {
          schema: 'pharmacy',
          table: 'prescription',
          keyColumn: 'prescription_id',
          cutoffColumn: 'created_at',
          buckets: expected.buckets,
        };
        const query = bucketQuery(table, context.cutoff, EPCS_WHERE, EPCS_HASH);
        const diff = await context.query<{ index: string; rows: string; checksum: string }>(query.text, query.values);
        offendingKeys.push(...differingRanges(table, expected.buckets, bucketRowsOf(diff)));
      }
    }
    offendingKeys.unshift(...keysOf(bad, 'prescription:'));
    return {
      passed: len(bad) === 0 && matchesManifest,
      measured: {
        epcsPrescriptions: rows,
        expected: expected?.count ?? null,
        payloadHashMismatches: len(bad),
        matchesManifest,
        ...modeOf(proof),
      },
      offendingKeys: offendingKeys.slice(0, MAX_KEYS),
    };
  },
};
