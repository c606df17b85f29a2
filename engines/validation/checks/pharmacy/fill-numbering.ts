import { tupleHash } from '../../checksum';
import { CheckDefinition, keysOf, manifestProves, MAX_KEYS, newRowsOf, num } from '../check';
import { applies, factOf, InvariantFact, len, modeOf, newRowsPass, oldColumnsProve, SourceQuery } from './invariant';

/**
 * Invariant 2: fill numbers per prescription run 0..k without gaps or duplicates, k <= refills authorised,
 * and Schedule II prescriptions have no refills.
 *
 * - source (manifest job): every old fill belongs to an old prescription whose product is old; per old
 *   prescription the old fills are 0..m-1, m-1 <= refills authorised, no refillable Schedule II.
 * - full: per prescription `bit_or(1 << fill_number) = 2^n - 1` (exact), joined to the prescription and
 *   product.
 * - incremental: the same, for the prescriptions after the cut-off and those with a fill after it. Also
 *   when the old fills differ from the manifest only in columns other than `FILL_NUMBERING_COLUMNS` (their
 *   checksum over those, recorded by the manifest job, still matches): a changed quantity cannot break the
 *   numbering of an old prescription's fills.
 */

/**
 * The columns of the old fills the source verification rests on: which prescription a fill is of and its
 * number (the cut-off column decides which fills are old, so a fill moved across the cut-off changes the
 * set of rows summed), and the key, which binds each pair to its row. No fill is voided or deleted in place
 * (the schema has no such column), so every old fill counts.
 */
export const FILL_NUMBERING_COLUMNS = ['fill_id', 'prescription_id', 'fill_number'] as const;

/**
 * A prescription's fills: their count and a bit mask of their numbers. bit_or of 1 << fill_number equals
 * 2^n - 1 exactly when the n fills are numbered 0..n-1 once each.
 */
const FILL_GROUP = `count(*) AS n,
               bit_or(CASE WHEN fill_number BETWEEN 0 AND 62 THEN 1::bigint << fill_number ELSE 0 END) AS mask,
               bool_or(fill_number NOT BETWEEN 0 AND 62) AS out_of_range`;

/** Conditions on a prescription `p`, its fill group `g` and its product `pr`. */
const GAPS = 'g.n > 62 OR g.out_of_range OR g.mask <> (1::bigint << g.n::int) - 1';
const TOO_MANY = 'g.n - 1 > p.refills_authorized';
const SCHEDULE_II_REFILLS = 'pr.dea_schedule = 2 AND p.refills_authorized > 0';

/** The offending prescriptions of each kind, and how many prescriptions were read. */
const NUMBERING = `array_agg(p.prescription_id) FILTER (WHERE ${GAPS}) AS gaps,
             array_agg(p.prescription_id) FILTER (WHERE ${TOO_MANY}) AS too_many,
             array_agg(p.prescription_id) FILTER (WHERE ${SCHEDULE_II_REFILLS}) AS cii_refills,
             count(*) AS prescriptions`;

/**
 * Per prescription, its fills (`where` restricts them): their count and a bit mask of their numbers, plus the
 * `extra` aggregates (with their leading comma).
 */
function fillGroups(where: string, extra = ''): string {
  // Grouped once, in key order from the (prescription_id, fill_number) index: a parallel plan would
  // otherwise build the whole grouping again in every worker.
  return `g AS MATERIALIZED (
        SELECT prescription_id, ${FILL_GROUP}${extra}
          FROM pharmacy.fill ${where} GROUP BY prescription_id ORDER BY prescription_id)`;
}

/**
 * Fill numbering over all prescriptions, or only those `affected` selects (a SELECT of prescription ids).
 * The ids are gathered into one array first, sorted and distinct: `= ANY(array)` lets both tables be read in
 * key order through their indexes (a merge of two index scans), where a join with the set is planned as a scan
 * of all fills; each index scan sorts its array, which costs little when it is sorted already.
 */
function fillNumberingSql(affected?: string): string {
  const only = (alias: string): string =>
    affected ? `WHERE ${alias}prescription_id = ANY((SELECT ids FROM a)::bigint[])` : '';
  return `
      WITH ${affected ? `a AS MATERIALIZED (SELECT array_agg(DISTINCT prescription_id ORDER BY prescription_id) AS ids FROM (${affected}) x),` : ''}
      ${fillGroups(only(''))}
      SELECT ${NUMBERING}
        FROM pharmacy.prescription p
        LEFT JOIN g USING (prescription_id)
        LEFT JOIN pharmacy.product pr ON pr.product_id = p.product_id
       ${only('p.')}`;
}

/**
 * Fill numbering of the new prescriptions, when they are the keys above `above`, and of the old ones with a
 * fill in `newFills` (a relation). Each part reads the prescriptions and their grouped fills (from the
 * (prescription_id, fill_number) index) in prescription order and merges them: the new part as two key ranges,
 * the old part through a sorted array of its ids. One array of every affected id, as `fillNumberingSql` takes,
 * would look up the new prescriptions one by one too: 93 ms against 71 ms on the bench database at 90 days.
 */
function fillNumberingAboveSql(newFills: string, above: string): string {
  const part = (prescriptions: (alias: string) => string): string => `(
        SELECT ${NUMBERING}
          FROM pharmacy.prescription p
          LEFT JOIN (SELECT prescription_id, ${FILL_GROUP}
                       FROM pharmacy.fill WHERE ${prescriptions('')} GROUP BY prescription_id) g USING (prescription_id)
          LEFT JOIN pharmacy.product pr ON pr.product_id = p.product_id
         WHERE ${prescriptions('p.')})`;
  const old = (alias: string): string => `${alias}prescription_id = ANY((SELECT ids FROM a)::bigint[])`;
  const fresh = (alias: string): string => `${alias}prescription_id > ${above}`;
  return `
      WITH a AS MATERIALIZED (SELECT array_agg(DISTINCT prescription_id ORDER BY prescription_id) AS ids
                                FROM ${newFills} n WHERE prescription_id <= ${above}),
           old_rx AS ${part(old)},
           new_rx AS ${part(fresh)}
      SELECT array_cat(o.gaps, n.gaps) AS gaps, array_cat(o.too_many, n.too_many) AS too_many,
             array_cat(o.cii_refills, n.cii_refills) AS cii_refills, o.prescriptions + n.prescriptions AS prescriptions
        FROM old_rx o, new_rx n`;
}

/**
 * Source: the old fills of each old prescription are numbered 0..m-1 with m-1 <= refills authorised, no old
 * Schedule II prescription is refillable, every old fill belongs to an old prescription and every old
 * prescription's product is old. A prescription with no fill after the cut-off then keeps its invariant on
 * the copy; the others are checked whole.
 */
export async function fillNumberingFact(query: SourceQuery, cutoff: Date): Promise<InvariantFact> {
  // The same grouping of the old fills also sums them over FILL_NUMBERING_COLUMNS (`oldColumns`).
  const oldFillHash = tupleHash(...FILL_NUMBERING_COLUMNS);
  const [row] = await query(
    `WITH ${fillGroups('WHERE filled_at <= $1', `, sum(${oldFillHash}) AS columns_checksum`)}
     SELECT (SELECT count(*) FROM g WHERE NOT EXISTS (SELECT 1 FROM pharmacy.prescription p
                                                       WHERE p.prescription_id = g.prescription_id
                                                         AND p.created_at <= $1)) AS orphan_fills,
            (SELECT coalesce(sum(g.n), 0)::text FROM g) AS old_fills,
            (SELECT coalesce(sum(g.columns_checksum), 0)::text FROM g) AS old_fills_checksum,
            count(*) FILTER (WHERE ${GAPS}) AS gaps,
            count(*) FILTER (WHERE ${TOO_MANY}) AS too_many,
            count(*) FILTER (WHERE ${SCHEDULE_II_REFILLS}) AS cii_refills,
            count(*) FILTER (WHERE pr.product_id IS NULL OR pr.created_at > $1) AS product_not_old
       FROM pharmacy.prescription p
       LEFT JOIN g USING (prescription_id)
       LEFT JOIN pharmacy.product pr ON pr.product_id = p.product_id
      WHERE p.created_at <= $1`,
    [cutoff],
  );
  const fact = factOf({
    orphanFills: num(row?.orphan_fills),
    gaps: num(row?.gaps),
    tooMany: num(row?.too_many),
    scheduleIIRefills: num(row?.cii_refills),
    productNotOld: num(row?.product_not_old),
  });
  return {
    ...fact,
    oldColumns: {
      schema: 'pharmacy',
      table: 'fill',
      columns: [...FILL_NUMBERING_COLUMNS],
      rows: num(row?.old_fills),
      checksum: String(row?.old_fills_checksum ?? '0'),
    },
  };
}

export const fillNumberingCheck: CheckDefinition = {
  name: 'fill-numbering',
  suite: 'pharmacy',
  description:
    'fill numbers per prescription run 0..k without gaps or duplicates, k <= refills authorised, ' +
    'Schedule II has no refills',
  applies,
  passes: () => [newRowsPass('prescription'), newRowsPass('fill'), newRowsPass('product')],
  async run(context) {
    const proof = await oldColumnsProve(
      context,
      'fill-numbering',
      await manifestProves(context, 'fill-numbering', ['prescription', 'fill', 'product']),
      'fill',
      FILL_NUMBERING_COLUMNS,
    );
    let row: Record<string, unknown> = {};
    let prescriptions: number;
    if (proof.ok) {
      // Only prescriptions written after the cut-off, or with a fill after it, can break the invariant.
      const [prescription, fill] = ['prescription', 'fill'].map((t) => proof.gates.get(t));
      if (prescription?.newKeysAbove !== undefined) {
        const sql = fillNumberingAboveSql(newRowsOf(proof.gates, 'fill'), prescription.newKeysAbove);
        row = (await context.query(sql))[0] ?? {};
      } else if (prescription?.newRows || fill?.newRows) {
        const affected = ['prescription', 'fill']
          .map((t) => `SELECT prescription_id FROM ${newRowsOf(proof.gates, t)} n`)
          .join(' UNION ALL ');
        row = (await context.query(fillNumberingSql(affected)))[0] ?? {};
      }
      prescriptions = (prescription?.oldRows ?? 0) + (prescription?.newRows ?? 0);
    } else {
      row = (await context.query(fillNumberingSql()))[0] ?? {};
      prescriptions = num(row.prescriptions);
    }
    const lengths = { gaps: len(row.gaps), tooMany: len(row.too_many), scheduleIIRefills: len(row.cii_refills) };
    const keys = [row.gaps, row.too_many, row.cii_refills].flatMap((ids) => keysOf(ids, 'prescription:'));
    return {
      passed: lengths.gaps + lengths.tooMany + lengths.scheduleIIRefills === 0,
      measured: {
        prescriptions,
        ...lengths,
        ...modeOf(proof),
        ...(proof.narrowed ? { incrementalBecause: proof.narrowed } : {}),
      },
      offendingKeys: [...new Set(keys)].slice(0, MAX_KEYS),
    };
  },
};
