import { bucketSql, differingRanges, EPCS_HASH, EPCS_WHERE, tupleHash } from '../checksum';
import type { Manifest } from '../manifest-schema';
import { PHARMACY_TABLES } from '../schema';
import { CheckContext, CheckDefinition, keysOf, manifestProves, MAX_KEYS, newKeysOf, num, PassContribution, tableAggregates } from './check';

/**
 * The integrity invariants of the reference pharmacy schema (docs/domain.md). Each check reports keys, never
 * values, and proves its invariant over every row of the copy in one of two ways:
 *
 * - **incremental** (the normal case): the manifest job verified the invariant on the source over the rows
 *   at or before the cut-off ("old" rows), in a form closed under the old rows (old children resolve to old
 *   parents, old fills of a prescription are its fills 0..m-1, …) and recorded that in
 *   `manifest.pharmacy.invariants`. On the copy, the shared table pass proves the old rows of every table the
 *   check reads are the manifest's (same count and whole-row checksum) and that rows after the cut-off have
 *   unique keys; the check then only verifies the rows after the cut-off (and the groups they touch) against
 *   the whole copy, through the key indexes.
 * - **full**: when the manifest has no source verification, or any table the check reads has old rows that
 *   differ from the manifest, the check runs over every row of the copy (hash joins, groupings, SHA-256
 *   of every audit event and EPCS payload), so a corruption of the old rows still trips the check it breaks,
 *   with its own measured values and offending keys, not only the checksums.
 *
 * `measured.mode` says which one ran (and `measured.fullReason` why the full one).
 */

const applies = (m: Manifest): boolean => m.pharmacy !== undefined;

const spec = (table: string): { keyColumn: string; cutoffColumn: string } => {
  const t = PHARMACY_TABLES.find((x) => x.table === table);
  if (!t) throw new Error(`no pharmacy table ${table}`);
  return t;
};
const cutoffOf = (table: string): string => spec(table).cutoffColumn;

/** Pass contributions that give the gate of each table a check reads. */
const gatePasses = (...tables: string[]) => (): PassContribution[] => tables.map((table) => ({ schema: 'pharmacy', table, select: tableAggregates(spec(table)) }));

/** What the manifest job records per pharmacy check: did the invariant hold on the source's old rows. */
export interface InvariantFact {
  holds: boolean;
  measured: Record<string, number>;
}
export type SourceQuery = <R extends Record<string, unknown>>(sql: string, params: unknown[]) => Promise<R[]>;

const factOf = (measured: Record<string, number>): InvariantFact => ({ holds: Object.values(measured).every((v) => v === 0), measured });

/** child table, its key, FK column(s), parent table, parent column(s). */
const FOREIGN_KEYS: ReadonlyArray<{ child: string; key: string; columns: string[]; parent: string; parentColumns: string[] }> = [
  { child: 'prescription', key: 'prescription_id', columns: ['pharmacy_id'], parent: 'pharmacy', parentColumns: ['pharmacy_id'] },
  { child: 'prescription', key: 'prescription_id', columns: ['patient_id'], parent: 'patient', parentColumns: ['patient_id'] },
  { child: 'prescription', key: 'prescription_id', columns: ['prescriber_id'], parent: 'prescriber', parentColumns: ['prescriber_id'] },
  { child: 'prescription', key: 'prescription_id', columns: ['product_id'], parent: 'product', parentColumns: ['product_id'] },
  { child: 'fill', key: 'fill_id', columns: ['prescription_id'], parent: 'prescription', parentColumns: ['prescription_id'] },
  { child: 'claim', key: 'claim_id', columns: ['fill_id'], parent: 'fill', parentColumns: ['fill_id'] },
  { child: 'claim', key: 'claim_id', columns: ['reverses_claim_id'], parent: 'claim', parentColumns: ['claim_id'] },
  { child: 'inventory_transaction', key: 'txn_id', columns: ['pharmacy_id'], parent: 'pharmacy', parentColumns: ['pharmacy_id'] },
  { child: 'inventory_transaction', key: 'txn_id', columns: ['product_id'], parent: 'product', parentColumns: ['product_id'] },
  { child: 'inventory_transaction', key: 'txn_id', columns: ['fill_id'], parent: 'fill', parentColumns: ['fill_id'] },
  { child: 'cs_opening_inventory', key: 'inventory_id', columns: ['pharmacy_id'], parent: 'pharmacy', parentColumns: ['pharmacy_id'] },
  { child: 'cs_opening_inventory', key: 'inventory_id', columns: ['product_id'], parent: 'product', parentColumns: ['product_id'] },
  { child: 'cs_ledger', key: 'entry_id', columns: ['txn_id'], parent: 'inventory_transaction', parentColumns: ['txn_id'] },
  { child: 'cs_ledger', key: 'entry_id', columns: ['pharmacy_id', 'product_id'], parent: 'cs_opening_inventory', parentColumns: ['pharmacy_id', 'product_id'] },
  { child: 'pdmp_report', key: 'report_id', columns: ['fill_id'], parent: 'fill', parentColumns: ['fill_id'] },
];

/** One scan of a child, anti-joined (LEFT JOIN ... IS NULL) against each parent's keys; `where` restricts the children. */
function orphanSql(child: string, where?: string): string {
  const fks = FOREIGN_KEYS.filter((f) => f.child === child);
  const key = fks[0]?.key ?? 'id';
  const joins = fks.map((f, i) => `LEFT JOIN pharmacy.${f.parent} p${i} ON ` + f.columns.map((c, j) => `p${i}.${f.parentColumns[j]} = c.${c}`).join(' AND '));
  const selects = fks.map(
    (f, i) => `array_agg(c.${key}) FILTER (WHERE ${f.columns.map((c) => `c.${c} IS NOT NULL`).join(' AND ')} AND p${i}.${f.parentColumns[0]} IS NULL) AS o${i}`,
  );
  return `SELECT ${selects.join(', ')} FROM pharmacy.${child} c ${joins.join(' ')}${where ? ` WHERE ${where}` : ''}`;
}

const FK_CHILDREN = [...new Set(FOREIGN_KEYS.map((f) => f.child))];
const FK_TABLES = [...new Set(FOREIGN_KEYS.flatMap((f) => [f.child, f.parent]))];

/** Source: every old child's foreign key resolves to an old parent (so the copy's old rows alone keep it true). */
async function foreignKeysFact(query: SourceQuery, cutoff: Date): Promise<InvariantFact> {
  const measured: Record<string, number> = {};
  await Promise.all(
    FK_CHILDREN.map(async (child) => {
      const fks = FOREIGN_KEYS.filter((f) => f.child === child);
      const joins = fks.map(
        (f, i) => `LEFT JOIN pharmacy.${f.parent} p${i} ON ${f.columns.map((c, j) => `p${i}.${f.parentColumns[j]} = c.${c}`).join(' AND ')} AND p${i}.${cutoffOf(f.parent)} <= $1`,
      );
      const selects = fks.map((f, i) => `count(*) FILTER (WHERE ${f.columns.map((c) => `c.${c} IS NOT NULL`).join(' AND ')} AND p${i}.${f.parentColumns[0]} IS NULL) AS o${i}`);
      const [row] = await query(`SELECT ${selects.join(', ')} FROM pharmacy.${child} c ${joins.join(' ')} WHERE c.${cutoffOf(child)} <= $1`, [cutoff]);
      fks.forEach((f, i) => (measured[`${child}.${f.columns.join('+')} -> ${f.parent}`] = num(row?.[`o${i}`])));
    }),
  );
  return factOf(measured);
}

export const foreignKeysCheck: CheckDefinition = {
  name: 'foreign-keys',
  suite: 'pharmacy',
  description: 'every foreign key resolves (no orphan prescriptions, fills, claims, inventory, ledger or PDMP rows)',
  applies,
  passes: gatePasses(...FK_TABLES),
  async run(context) {
    const orphans: Record<string, number> = {};
    const offendingKeys: string[] = [];
    const modes: Record<string, string> = {};
    const fullReasons: string[] = [];
    await Promise.all(
      FK_CHILDREN.map(async (child) => {
        const fks = FOREIGN_KEYS.filter((f) => f.child === child);
        const key = fks[0]?.key ?? 'id';
        // Incremental when the child and every parent it references are proven old-identical: only the
        // children after the cut-off can be orphans (old children resolve to old parents, which are there).
        const proof = await manifestProves(context, 'foreign-keys', [child, ...fks.map((f) => f.parent)]);
        let rows: Record<string, unknown>[] = [];
        if (proof.ok) {
          modes[child] = 'incremental';
          const fresh = newKeysOf(proof.gates, child);
          if (fresh.length) rows = await context.query(orphanSql(child, `c.${key} = ANY($1::bigint[])`), [fresh]);
        } else {
          modes[child] = 'full';
          fullReasons.push(`${child}: ${proof.reason ?? ''}`);
          rows = await context.query(orphanSql(child));
        }
        fks.forEach((f, i) => {
          const keys = rows[0]?.[`o${i}`];
          const count = Array.isArray(keys) ? keys.length : 0;
          if (count > 0) {
            orphans[`${child}.${f.columns.join('+')} -> ${f.parent}`] = count;
            offendingKeys.push(...keysOf(keys, `${child}:${key}=`, MAX_KEYS));
          }
        });
      }),
    );
    const mode = Object.values(modes).every((m) => m === 'incremental') ? 'incremental' : Object.values(modes).every((m) => m === 'full') ? 'full' : 'mixed';
    return {
      passed: Object.keys(orphans).length === 0,
      measured: { foreignKeys: FOREIGN_KEYS.length, orphans, mode, ...(fullReasons.length ? { fullReason: fullReasons.slice(0, 3).join('; ') } : {}) },
      offendingKeys: offendingKeys.slice(0, MAX_KEYS),
    };
  },
};

/** Fill numbering over all prescriptions, or only those in `$1` (bigint[]) when `restricted`. */
function fillNumberingSql(restricted: boolean): string {
  // bit_or of 1 << fill_number equals 2^n - 1 exactly when the n fills are numbered 0..n-1 once each.
  return `
      WITH g AS (
        SELECT prescription_id, count(*) AS n,
               bit_or(CASE WHEN fill_number BETWEEN 0 AND 62 THEN 1::bigint << fill_number ELSE 0 END) AS mask,
               bool_or(fill_number NOT BETWEEN 0 AND 62) AS out_of_range
          FROM pharmacy.fill ${restricted ? 'WHERE prescription_id = ANY($1::bigint[])' : ''} GROUP BY prescription_id)
      SELECT array_agg(p.prescription_id) FILTER (WHERE g.n > 62 OR g.out_of_range OR g.mask <> (1::bigint << g.n::int) - 1) AS gaps,
             array_agg(p.prescription_id) FILTER (WHERE g.n - 1 > p.refills_authorized) AS too_many,
             array_agg(p.prescription_id) FILTER (WHERE pr.dea_schedule = 2 AND p.refills_authorized > 0) AS cii_refills,
             count(*) AS prescriptions
        FROM pharmacy.prescription p
        LEFT JOIN g USING (prescription_id)
        LEFT JOIN pharmacy.product pr ON pr.product_id = p.product_id
       ${restricted ? 'WHERE p.prescription_id = ANY($1::bigint[])' : ''}`;
}

/**
 * Source: the old fills of each old prescription are numbered 0..m-1 with m-1 <= refills authorised, no old
 * Schedule II prescription is refillable, every old fill belongs to an old prescription and every old
 * prescription's product is old. A prescription with no fill after the cut-off then keeps its invariant on
 * the copy; the others are checked whole.
 */
async function fillNumberingFact(query: SourceQuery, cutoff: Date): Promise<InvariantFact> {
  const [row] = await query(
    `WITH g AS (
       SELECT prescription_id, count(*) AS n,
              bit_or(CASE WHEN fill_number BETWEEN 0 AND 62 THEN 1::bigint << fill_number ELSE 0 END) AS mask,
              bool_or(fill_number NOT BETWEEN 0 AND 62) AS out_of_range
         FROM pharmacy.fill WHERE filled_at <= $1 GROUP BY prescription_id)
     SELECT (SELECT count(*) FROM g WHERE NOT EXISTS (SELECT 1 FROM pharmacy.prescription p WHERE p.prescription_id = g.prescription_id AND p.created_at <= $1)) AS orphan_fills,
            count(*) FILTER (WHERE g.n > 62 OR g.out_of_range OR g.mask <> (1::bigint << g.n::int) - 1) AS gaps,
            count(*) FILTER (WHERE g.n - 1 > p.refills_authorized) AS too_many,
            count(*) FILTER (WHERE pr.dea_schedule = 2 AND p.refills_authorized > 0) AS cii_refills,
            count(*) FILTER (WHERE pr.product_id IS NULL OR pr.created_at > $1) AS product_not_old
       FROM pharmacy.prescription p
       LEFT JOIN g USING (prescription_id)
       LEFT JOIN pharmacy.product pr ON pr.product_id = p.product_id
      WHERE p.created_at <= $1`,
    [cutoff],
  );
  return factOf({ orphanFills: num(row?.orphan_fills), gaps: num(row?.gaps), tooMany: num(row?.too_many), scheduleIIRefills: num(row?.cii_refills), productNotOld: num(row?.product_not_old) });
}

export const fillNumberingCheck: CheckDefinition = {
  name: 'fill-numbering',
  suite: 'pharmacy',
  description: 'fill numbers per prescription run 0..k without gaps or duplicates, k <= refills authorised, Schedule II has no refills',
  applies,
  passes: gatePasses('prescription', 'fill', 'product'),
  async run(context) {
    const proof = await manifestProves(context, 'fill-numbering', ['prescription', 'fill', 'product']);
    let row: Record<string, unknown> = {};
    let prescriptions: number;
    if (proof.ok) {
      // Only prescriptions written after the cut-off, or with a fill after it, can break the invariant.
      const newFills = newKeysOf(proof.gates, 'fill');
      const touched = newFills.length
        ? (await context.query<{ ids: string[] | null }>('SELECT array_agg(DISTINCT prescription_id) AS ids FROM pharmacy.fill WHERE fill_id = ANY($1::bigint[])', [newFills]))[0]?.ids ?? []
        : [];
      const affected = [...new Set([...newKeysOf(proof.gates, 'prescription'), ...touched.map(String)])];
      if (affected.length) row = (await context.query(fillNumberingSql(true), [affected]))[0] ?? {};
      prescriptions = (proof.gates.get('prescription')?.oldRows ?? 0) + newKeysOf(proof.gates, 'prescription').length;
    } else {
      row = (await context.query(fillNumberingSql(false)))[0] ?? {};
      prescriptions = num(row.prescriptions);
    }
    const lengths = { gaps: len(row.gaps), tooMany: len(row.too_many), scheduleIIRefills: len(row.cii_refills) };
    const keys = [...keysOf(row.gaps, 'prescription:'), ...keysOf(row.too_many, 'prescription:'), ...keysOf(row.cii_refills, 'prescription:')];
    return {
      passed: lengths.gaps + lengths.tooMany + lengths.scheduleIIRefills === 0,
      measured: { prescriptions, ...lengths, ...modeOf(proof) },
      offendingKeys: [...new Set(keys)].slice(0, MAX_KEYS),
    };
  },
};

function modeOf(proof: { ok: boolean; reason?: string }): Record<string, string> {
  return proof.ok ? { mode: 'incremental' } : { mode: 'full', fullReason: proof.reason ?? '' };
}

function len(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

function rxDuplicatesSql(restricted: boolean): string {
  return `
      SELECT count(*) OVER () AS groups, ids FROM (
        SELECT array_agg(prescription_id ORDER BY prescription_id) AS ids FROM pharmacy.prescription
         ${restricted ? 'WHERE (pharmacy_id, rx_number) IN (SELECT pharmacy_id, rx_number FROM pharmacy.prescription WHERE prescription_id = ANY($1::bigint[]))' : ''}
         GROUP BY pharmacy_id, rx_number HAVING count(*) > 1) d
      LIMIT ${MAX_KEYS}`;
}

/** Source: Rx numbers are unique per pharmacy among the old prescriptions; a duplicate on the copy then involves a new one. */
async function rxUniquenessFact(query: SourceQuery, cutoff: Date): Promise<InvariantFact> {
  const [row] = await query(
    `SELECT count(*) AS groups FROM (SELECT 1 FROM pharmacy.prescription WHERE created_at <= $1 GROUP BY pharmacy_id, rx_number HAVING count(*) > 1) d`,
    [cutoff],
  );
  return factOf({ duplicateRxNumbers: num(row?.groups) });
}

export const rxUniquenessCheck: CheckDefinition = {
  name: 'rx-uniqueness',
  suite: 'pharmacy',
  description: 'Rx numbers are unique per pharmacy',
  applies,
  passes: gatePasses('prescription'),
  async run(context) {
    const proof = await manifestProves(context, 'rx-uniqueness', ['prescription']);
    const fresh = newKeysOf(proof.gates, 'prescription');
    const rows = proof.ok
      ? fresh.length
        ? await context.query<{ groups: string; ids: string[] }>(rxDuplicatesSql(true), [fresh])
        : []
      : await context.query<{ groups: string; ids: string[] }>(rxDuplicatesSql(false));
    const groups = num(rows[0]?.groups);
    return {
      passed: groups === 0,
      measured: { duplicateRxNumbers: groups, ...modeOf(proof) },
      offendingKeys: rows.flatMap((r) => r.ids.map((id) => `prescription:${id}`)).slice(0, MAX_KEYS),
    };
  },
};

/**
 * Per (pharmacy, product): entries numbered 0..n-1 and each entry's balance before the movement equals the
 * previous entry's balance after (the opening balance for entry 0). Compared order-independently:
 * {(no, after)} + {(-1, opening)} must equal {(no - 1, after - change)} + {(last no, opening + sum)}.
 * `entries` restricts the ledger rows, `opening` the opening-inventory join (SQL conditions).
 */
function ledgerGroupsSql(entries: string, opening: string, tail: string): string {
  return `
      WITH g AS (
        SELECT pharmacy_id, product_id, count(*) AS n, min(entry_no) AS min_no, max(entry_no) AS max_no,
               sum(quantity_change)::bigint AS total, min(balance_after) AS min_balance,
               sum(${tupleHash('entry_no', 'balance_after::bigint')}) AS after_sum,
               sum(${tupleHash('entry_no - 1', '(balance_after - quantity_change)::bigint')}) AS before_sum
          FROM pharmacy.cs_ledger WHERE ${entries} GROUP BY 1, 2)
      SELECT g.pharmacy_id, g.product_id, g.min_balance < 0 AS negative,
             count(*) OVER () AS bad_groups
        FROM g LEFT JOIN pharmacy.cs_opening_inventory o ON o.pharmacy_id = g.pharmacy_id AND o.product_id = g.product_id AND ${opening}
       WHERE o.pharmacy_id IS NULL OR g.min_no <> 0 OR g.max_no <> g.n - 1 OR g.min_balance < 0
          OR g.after_sum + ${tupleHash('-1', 'o.opening_balance::bigint')}
             <> g.before_sum + ${tupleHash('g.max_no', '(o.opening_balance + g.total)::bigint')}
       ${tail}`;
}

const MISMATCH = 't.txn_id IS NULL OR t.quantity_change <> l.quantity_change OR t.pharmacy_id <> l.pharmacy_id OR t.product_id <> l.product_id';

/**
 * Source: every ledger's old entries form a balanced, non-negative chain 0..m-1 from an old opening count;
 * every old entry matches an old inventory transaction, and every old transaction has an old entry. A ledger
 * with no entry (or opening count) after the cut-off then keeps its invariant on the copy; the others are
 * checked whole.
 */
async function csLedgerFact(query: SourceQuery, cutoff: Date): Promise<InvariantFact> {
  const [groups, movements] = await Promise.all([
    query(`SELECT count(*) AS bad FROM (${ledgerGroupsSql('recorded_at <= $1', 'o.counted_at <= $1', '')}) x`, [cutoff]),
    query(
      `SELECT (SELECT count(*) FROM pharmacy.cs_ledger l LEFT JOIN pharmacy.inventory_transaction t ON t.txn_id = l.txn_id AND t.occurred_at <= $1
                WHERE l.recorded_at <= $1 AND (${MISMATCH})) AS mismatched,
              (SELECT count(*) FROM pharmacy.inventory_transaction t
                WHERE t.occurred_at <= $1 AND NOT EXISTS (SELECT 1 FROM pharmacy.cs_ledger l WHERE l.txn_id = t.txn_id AND l.recorded_at <= $1)) AS unledgered`,
      [cutoff],
    ),
  ]);
  return factOf({ unbalancedLedgers: num(groups[0]?.bad), entriesNotMatchingTransactions: num(movements[0]?.mismatched), transactionsWithoutEntry: num(movements[0]?.unledgered) });
}

export const csLedgerCheck: CheckDefinition = {
  name: 'cs-ledger',
  suite: 'pharmacy',
  description: 'controlled-substance ledger: opening + movements = on hand at every entry, never negative, entries match inventory transactions',
  applies,
  passes: gatePasses('cs_ledger', 'cs_opening_inventory', 'inventory_transaction'),
  async run(context) {
    const proof = await manifestProves(context, 'cs-ledger', ['cs_ledger', 'cs_opening_inventory', 'inventory_transaction']);
    let groups: Array<{ pharmacy_id: number; product_id: number; negative: boolean; bad_groups: string }>;
    let m: Record<string, unknown>;
    let entries: number;
    if (proof.ok) {
      // Only ledgers with an entry or opening count after the cut-off, and the new entries and
      // transactions themselves, can break it: check those ledgers whole, through the ledger key index.
      const newEntries = newKeysOf(proof.gates, 'cs_ledger');
      const newOpenings = newKeysOf(proof.gates, 'cs_opening_inventory');
      const newTxns = newKeysOf(proof.gates, 'inventory_transaction');
      const touched = `(pharmacy_id, product_id) IN (SELECT pharmacy_id, product_id FROM pharmacy.cs_ledger WHERE entry_id = ANY($1::bigint[])
                         UNION SELECT pharmacy_id, product_id FROM pharmacy.cs_opening_inventory WHERE inventory_id = ANY($2::bigint[]))`;
      const [g, mv] = await Promise.all([
        newEntries.length + newOpenings.length
          ? context.query<{ pharmacy_id: number; product_id: number; negative: boolean; bad_groups: string }>(ledgerGroupsSql(touched, 'true', `ORDER BY 1, 2 LIMIT ${MAX_KEYS}`), [newEntries, newOpenings])
          : Promise.resolve([]),
        newEntries.length
          ? context.query(
              `SELECT (SELECT array_agg(l.entry_id) FROM pharmacy.cs_ledger l LEFT JOIN pharmacy.inventory_transaction t USING (txn_id)
                        WHERE l.entry_id = ANY($1::bigint[]) AND (${MISMATCH})) AS mismatched,
                      (SELECT array_agg(DISTINCT l.txn_id) FROM pharmacy.cs_ledger l WHERE l.entry_id = ANY($1::bigint[])) AS entry_txns`,
              [newEntries],
            )
          : Promise.resolve([]),
      ]);
      groups = g;
      // Old entries reference old transactions only (source), and new keys are unique: a transaction after
      // the cut-off is ledgered exactly when an entry after the cut-off references it.
      const referenced = new Set((Array.isArray(mv[0]?.entry_txns) ? (mv[0]?.entry_txns as unknown[]) : []).map(String));
      m = { mismatched: mv[0]?.mismatched, unledgered: newTxns.filter((k) => !referenced.has(k)) };
      entries = (proof.gates.get('cs_ledger')?.oldRows ?? 0) + newEntries.length;
    } else {
      const movementsSql = `
        SELECT (SELECT array_agg(l.entry_id) FROM pharmacy.cs_ledger l LEFT JOIN pharmacy.inventory_transaction t USING (txn_id) WHERE ${MISMATCH}) AS mismatched,
               (SELECT array_agg(t.txn_id) FROM pharmacy.inventory_transaction t
                 WHERE NOT EXISTS (SELECT 1 FROM pharmacy.cs_ledger l WHERE l.txn_id = t.txn_id)) AS unledgered,
               (SELECT count(*) FROM pharmacy.cs_ledger) AS entries`;
      const [g, mv] = await Promise.all([
        context.query<{ pharmacy_id: number; product_id: number; negative: boolean; bad_groups: string }>(ledgerGroupsSql('true', 'true', `ORDER BY 1, 2 LIMIT ${MAX_KEYS}`)),
        context.query(movementsSql),
      ]);
      groups = g;
      m = mv[0] ?? {};
      entries = num(m.entries);
    }
    const offendingKeys: string[] = [];
    if (groups.length > 0) offendingKeys.push(...(await localizeLedger(context, groups)));
    offendingKeys.push(...keysOf(m.mismatched, 'cs_ledger:entry_id='), ...keysOf(m.unledgered, 'inventory_transaction:txn_id='));
    const badGroups = num(groups[0]?.bad_groups);
    return {
      passed: badGroups === 0 && len(m.mismatched) === 0 && len(m.unledgered) === 0,
      measured: {
        entries,
        unbalancedLedgers: badGroups,
        negativeLedgers: groups.filter((g) => g.negative).length,
        entriesNotMatchingTransactions: len(m.mismatched),
        transactionsWithoutEntry: len(m.unledgered),
        ...modeOf(proof),
      },
      offendingKeys: [...new Set(offendingKeys)].slice(0, MAX_KEYS),
    };
  },
};

/** For unbalanced ledgers, the first entries whose running balance does not follow (window query, failures only). */
async function localizeLedger(context: CheckContext, groups: Array<{ pharmacy_id: number; product_id: number }>): Promise<string[]> {
  const keys: string[] = [];
  for (const g of groups) {
    const rows = await context.query<{ entry_id: string }>(
      `SELECT entry_id FROM (
         SELECT l.entry_id, l.entry_no, l.balance_after, l.quantity_change,
                coalesce(lag(l.balance_after) OVER (ORDER BY l.entry_no, l.entry_id), o.opening_balance) AS before,
                lag(l.entry_no) OVER (ORDER BY l.entry_no, l.entry_id) AS prev_no
           FROM pharmacy.cs_ledger l LEFT JOIN pharmacy.cs_opening_inventory o USING (pharmacy_id, product_id)
          WHERE l.pharmacy_id = $1 AND l.product_id = $2) x
        WHERE balance_after - quantity_change IS DISTINCT FROM before OR balance_after < 0 OR entry_no <> coalesce(prev_no + 1, 0)
        ORDER BY entry_no LIMIT 2`,
      [g.pharmacy_id, g.product_id],
    );
    keys.push(...(rows.length ? rows.map((r) => `cs_ledger:entry_id=${r.entry_id}`) : [`cs_ledger:pharmacy_id=${g.pharmacy_id},product_id=${g.product_id}`]));
  }
  return keys;
}

/** SQL for the bytes an audit hash covers; must match `auditHashInput` in seed/model.ts. */
export const AUDIT_HASH_SQL =
  "sha256(t.prev_hash || int8send(t.seq) || timestamptz_send(t.occurred_at) || convert_to(t.actor || '|' || t.action || '|' || t.entity, 'UTF8') || int8send(t.entity_id))";

const ZERO_HASH = "decode(repeat('00', 32), 'hex')";

/** Aggregates that verify a set of audit events (`where`): sequence bounds, SHA-256 of each, link sums. */
function auditAggregatesSql(where: string): string {
  return `SELECT count(*) AS n, min(t.seq) AS min, max(t.seq) AS max,
                 array_agg(t.seq) FILTER (WHERE t.hash IS DISTINCT FROM ${AUDIT_HASH_SQL}) AS bad_hash,
                 count(*) FILTER (WHERE t.seq = 1 AND t.prev_hash <> ${ZERO_HASH}) AS bad_genesis,
                 coalesce(sum(${tupleHash('t.seq', 't.hash')}), 0)::text AS after,
                 coalesce(sum(${tupleHash('t.seq - 1', 't.prev_hash')}) FILTER (WHERE t.seq > 1), 0)::text AS before
            FROM pharmacy.audit_event t WHERE ${where}`;
}

/**
 * Source: the old events are exactly seq 1..h (h = the manifest head), each hash verifies, the genesis
 * link is zero and every link verifies. On the copy, the new events must then be exactly h+1..n, each
 * verifying, linked to the manifest head and to each other: SHA-256 is recomputed only for them.
 */
async function auditChainFact(query: SourceQuery, cutoff: Date): Promise<InvariantFact> {
  const [[row], [head]] = await Promise.all([
    query(auditAggregatesSql('t.occurred_at <= $1'), [cutoff]),
    query(`SELECT t.seq, ${tupleHash('t.seq', 't.hash')}::text AS h FROM pharmacy.audit_event t WHERE t.occurred_at <= $1 ORDER BY t.seq DESC LIMIT 1`, [cutoff]),
  ]);
  const n = num(row?.n);
  const sequenceOk = n === 0 || (num(row?.min) === 1 && num(row?.max) === n && num(head?.seq) === n);
  const linksOk = n === 0 || BigInt(String(row?.after ?? 0)) - BigInt(String(head?.h ?? 0)) === BigInt(String(row?.before ?? 0));
  return factOf({ sequenceGaps: sequenceOk ? 0 : 1, brokenLinks: linksOk ? 0 : 1, hashMismatches: len(row?.bad_hash), badGenesis: num(row?.bad_genesis), emptyChain: n === 0 ? 1 : 0 });
}

export const auditChainCheck: CheckDefinition = {
  name: 'audit-chain',
  suite: 'pharmacy',
  description: 'audit sequence has no gaps, every hash verifies and links to its predecessor, the head matches the manifest and is not after the recovery point',
  applies,
  passes: () => [{ schema: 'pharmacy', table: 'audit_event', select: { ...tableAggregates(spec('audit_event')), audit_newest: 'max(t.occurred_at)' } }],
  async run(context) {
    const head = context.manifest.pharmacy?.auditHead;
    const [proof, pass, last, manifestHead] = await Promise.all([
      manifestProves(context, 'audit-chain', ['audit_event']),
      context.pass('pharmacy', 'audit_event'),
      context.query<{ seq: string; h: string }>(`SELECT t.seq, ${tupleHash('t.seq', 't.hash')}::text AS h FROM pharmacy.audit_event t ORDER BY t.seq DESC LIMIT 1`),
      head && head.seq > 0
        ? context.query<{ hash: string; h: string }>(`SELECT encode(t.hash, 'hex') AS hash, ${tupleHash('t.seq', 't.hash')}::text AS h FROM pharmacy.audit_event t WHERE t.seq = $1`, [head.seq])
        : Promise.resolve([]),
    ]);
    const headOk = !head || head.seq === 0 || manifestHead.map((r) => r.hash).includes(head.hash);
    const incremental = proof.ok && head !== undefined && head.seq > 0 && headOk;
    let n: number;
    let min: number;
    let max: number;
    let sequenceOk: boolean;
    let linksOk: boolean;
    let genesisOk: boolean;
    let badHash: unknown;
    if (incremental) {
      // Old events 1..h are the source's (proven there); verify the new ones: h+1..n, each hash, each link,
      // the first linked to the manifest head: {(seq, hash)} - last + (h, head hash) = {(seq - 1, prev_hash)}.
      const fresh = newKeysOf(proof.gates, 'audit_event');
      const [row] = fresh.length ? await context.query(auditAggregatesSql('t.seq = ANY($1::bigint[])'), [fresh]) : [];
      const k = num(row?.n);
      n = head.seq + k;
      min = 1;
      max = k > 0 ? num(row?.max) : head.seq;
      sequenceOk = k === 0 || (num(row?.min) === head.seq + 1 && num(row?.max) === head.seq + k);
      const headTerm = BigInt(manifestHead[0]?.h ?? '0');
      linksOk = BigInt(String(row?.after ?? 0)) - BigInt(last[0]?.h ?? '0') + headTerm === BigInt(String(row?.before ?? 0));
      genesisOk = num(row?.bad_genesis) === 0;
      badHash = row?.bad_hash;
    } else {
      const [row] = await context.query(auditAggregatesSql('true'));
      n = num(row?.n);
      min = num(row?.min);
      max = num(row?.max);
      sequenceOk = n === 0 || (min === 1 && max === n);
      // Every link: {(seq, hash)} minus the head equals {(seq - 1, prev_hash)} for seq > 1.
      linksOk = n === 0 || BigInt(String(row?.after ?? 0)) - BigInt(last[0]?.h ?? '0') === BigInt(String(row?.before ?? 0));
      genesisOk = num(row?.bad_genesis) === 0;
      badHash = row?.bad_hash;
    }
    const badHashes = len(badHash);
    const newest = pass.audit_newest instanceof Date ? pass.audit_newest : null;
    const afterRecoveryPoint = newest !== null && newest > context.recoveryPointTime;
    const offendingKeys = keysOf(badHash, 'audit_event:seq=');
    if (!sequenceOk || !linksOk || !genesisOk) {
      const broken = await context.query<{ seq: string }>(`
        SELECT seq FROM (
          SELECT seq, prev_hash, lag(hash) OVER w AS prev, lag(seq) OVER w AS prev_seq FROM pharmacy.audit_event WINDOW w AS (ORDER BY seq)) x
         WHERE (prev_seq IS NULL AND (seq <> 1 OR prev_hash <> ${ZERO_HASH}))
            OR (prev_seq IS NOT NULL AND (seq <> prev_seq + 1 OR prev_hash IS DISTINCT FROM prev))
         ORDER BY seq LIMIT ${MAX_KEYS}`);
      offendingKeys.push(...broken.map((r) => `audit_event:seq=${r.seq}`));
    }
    if (!headOk && head) offendingKeys.push(`audit_event:seq=${head.seq}`);
    return {
      passed: sequenceOk && linksOk && badHashes === 0 && genesisOk && !afterRecoveryPoint && headOk,
      measured: {
        events: n,
        firstSeq: min,
        lastSeq: max,
        sequenceWithoutGaps: sequenceOk,
        linksVerify: linksOk,
        hashMismatches: badHashes,
        newest: newest?.toISOString() ?? null,
        newestAfterRecoveryPoint: afterRecoveryPoint,
        manifestHeadSeq: head?.seq ?? null,
        manifestHeadPresent: headOk,
        ...(incremental ? { mode: 'incremental' } : { mode: 'full', fullReason: proof.ok ? 'no manifest head' : (proof.reason ?? '') }),
      },
      offendingKeys: [...new Set(offendingKeys)].slice(0, MAX_KEYS),
    };
  },
};

const CLAIM_KINDS: ReadonlyArray<{ code: 'B1' | 'B2' | 'B3'; status: 'paid' | 'rejected' }> = (['B1', 'B2', 'B3'] as const).flatMap((code) =>
  (['paid', 'rejected'] as const).map((status) => ({ code, status })),
);

const BAD_TARGET = "r.transaction_code <> 'B2' OR o.claim_id IS NULL OR o.transaction_code <> 'B1' OR o.status <> 'paid' OR o.fill_id <> r.fill_id";

/** Reversal problems among all claims, or (restricted) those involving the claims in `$1`. */
function reversalsSql(restricted: boolean): string {
  const mine = restricted ? 'claim_id = ANY($1::bigint[]) AND ' : '';
  return `
        SELECT (SELECT array_agg(k) FROM (SELECT reverses_claim_id AS k FROM pharmacy.claim WHERE reverses_claim_id IS NOT NULL AND transaction_code = 'B2'
                  ${restricted ? `AND reverses_claim_id IN (SELECT reverses_claim_id FROM pharmacy.claim WHERE ${mine}reverses_claim_id IS NOT NULL AND transaction_code = 'B2')` : ''}
                  GROUP BY 1 HAVING count(*) > 1) x) AS multiple,
               (SELECT array_agg(r.claim_id) FROM pharmacy.claim r LEFT JOIN pharmacy.claim o ON o.claim_id = r.reverses_claim_id
                 WHERE ${restricted ? 'r.claim_id = ANY($1::bigint[]) AND ' : ''}r.reverses_claim_id IS NOT NULL AND (${BAD_TARGET})) AS bad_target,
               (SELECT array_agg(claim_id) FROM pharmacy.claim WHERE ${mine}transaction_code = 'B2' AND reverses_claim_id IS NULL) AS unlinked`;
}

/**
 * Source: among the old claims no paid B1 is reversed twice, every old reversal points at an old paid B1
 * of the same fill, and every old B2 names its target. On the copy a double reversal or a bad target then
 * involves a new claim; the totals of the old claims are a function of those rows (equal checksum).
 */
async function claimReversalsFact(query: SourceQuery, cutoff: Date): Promise<InvariantFact> {
  const [row] = await query(
    `SELECT (SELECT count(*) FROM (SELECT 1 FROM pharmacy.claim WHERE submitted_at <= $1 AND reverses_claim_id IS NOT NULL AND transaction_code = 'B2'
                                    GROUP BY reverses_claim_id HAVING count(*) > 1) x) AS multiple,
            (SELECT count(*) FROM pharmacy.claim r LEFT JOIN pharmacy.claim o ON o.claim_id = r.reverses_claim_id AND o.submitted_at <= $1
              WHERE r.submitted_at <= $1 AND r.reverses_claim_id IS NOT NULL AND (${BAD_TARGET})) AS bad_target,
            (SELECT count(*) FROM pharmacy.claim WHERE submitted_at <= $1 AND transaction_code = 'B2' AND reverses_claim_id IS NULL) AS unlinked`,
    [cutoff],
  );
  return factOf({ multiplyReversed: num(row?.multiple), reversalsWithBadTarget: num(row?.bad_target), reversalsWithoutTarget: num(row?.unlinked) });
}

export const claimReversalsCheck: CheckDefinition = {
  name: 'claim-reversals',
  suite: 'pharmacy',
  description: 'each paid B1 claim has at most one B2 reversal, reversals point at a paid B1 of the same fill, totals match the manifest',
  applies,
  passes: gatePasses('claim'),
  async run(context) {
    const proof = await manifestProves(context, 'claim-reversals', ['claim']);
    const fresh = newKeysOf(proof.gates, 'claim');
    let r: Record<string, unknown> = {};
    const totalMismatches: Record<string, { expected: { count: number; amount: string }; actual: { count: number; amount: string } }> = {};
    if (proof.ok) {
      if (fresh.length) r = (await context.query(reversalsSql(true), [fresh]))[0] ?? {};
    } else {
      const [reversals, totals] = await Promise.all([
        context.query(reversalsSql(false)),
        context.query<{ code: string; status: string; count: string; amount: string }>(
          'SELECT transaction_code AS code, status, count(*) AS count, sum(amount)::text AS amount FROM pharmacy.claim WHERE submitted_at <= $1 GROUP BY 1, 2',
          [context.cutoff],
        ),
      ]);
      r = reversals[0] ?? {};
      const expected = context.manifest.pharmacy?.claimTotals ?? [];
      for (const { code, status } of CLAIM_KINDS) {
        const e = expected.find((x) => x.code === code && x.status === status);
        const a = totals.find((x) => x.code === code && x.status === status);
        const ec = { count: e?.count ?? 0, amount: Number(e?.amount ?? 0).toFixed(2) };
        const ac = { count: num(a?.count), amount: Number(a?.amount ?? 0).toFixed(2) };
        if (ec.count !== ac.count || ec.amount !== ac.amount) totalMismatches[`${code}/${status}`] = { expected: ec, actual: ac };
      }
    }
    const offendingKeys = [...keysOf(r.multiple, 'claim:'), ...keysOf(r.bad_target, 'claim:'), ...keysOf(r.unlinked, 'claim:'), ...Object.keys(totalMismatches).map((k) => `claims ${k}`)];
    return {
      passed: len(r.multiple) === 0 && len(r.bad_target) === 0 && len(r.unlinked) === 0 && Object.keys(totalMismatches).length === 0,
      measured: { multiplyReversed: len(r.multiple), reversalsWithBadTarget: len(r.bad_target), reversalsWithoutTarget: len(r.unlinked), totalMismatches, ...modeOf(proof) },
      offendingKeys: offendingKeys.slice(0, MAX_KEYS),
    };
  },
};

/** Source: every old EPCS payload hashes to its recorded SHA-256 (the manifest's EPCS aggregate fixes the pairs). */
async function epcsFact(query: SourceQuery, cutoff: Date): Promise<InvariantFact> {
  const [row] = await query(
    `SELECT count(*) AS bad FROM pharmacy.prescription t WHERE t.created_at <= $1 AND (${EPCS_WHERE}) AND sha256(t.epcs_signed_payload) IS DISTINCT FROM t.epcs_payload_sha256`,
    [cutoff],
  );
  return factOf({ payloadHashMismatches: num(row?.bad) });
}

export const epcsSignaturesCheck: CheckDefinition = {
  name: 'epcs-signatures',
  suite: 'pharmacy',
  description: 'every EPCS signed payload still hashes to its recorded SHA-256, and (id, hash) pairs equal the manifest',
  applies,
  passes: gatePasses('prescription'),
  async run(context) {
    const proof = await manifestProves(context, 'epcs-signatures', ['prescription']);
    const expected = context.manifest.pharmacy?.epcs;
    let bad: unknown;
    let rows: number;
    let matchesManifest: boolean;
    const offendingKeys: string[] = [];
    if (proof.ok) {
      // Old prescriptions are the source's (verified there; their (id, hash) pairs are the manifest's):
      // SHA-256 only for the prescriptions after the cut-off.
      const fresh = newKeysOf(proof.gates, 'prescription');
      const [row] = fresh.length
        ? await context.query(
            `SELECT array_agg(t.prescription_id) FILTER (WHERE sha256(t.epcs_signed_payload) IS DISTINCT FROM t.epcs_payload_sha256) AS bad
               FROM pharmacy.prescription t WHERE t.prescription_id = ANY($1::bigint[]) AND (${EPCS_WHERE})`,
            [fresh],
          )
        : [];
      bad = row?.bad;
      rows = expected?.count ?? 0;
      matchesManifest = true;
    } else {
      const [row] = await context.query(
        `SELECT array_agg(t.prescription_id) FILTER (WHERE sha256(t.epcs_signed_payload) IS DISTINCT FROM t.epcs_payload_sha256) AS bad,
                count(*) FILTER (WHERE t.created_at <= $1) AS rows,
                coalesce(sum(${EPCS_HASH}) FILTER (WHERE t.created_at <= $1), 0)::text AS checksum
           FROM pharmacy.prescription t WHERE ${EPCS_WHERE}`,
        [context.cutoff],
      );
      bad = row?.bad;
      rows = num(row?.rows);
      matchesManifest = !expected || (expected.count === rows && expected.checksum === String(row?.checksum));
      if (!matchesManifest && expected) {
        const diff = await context.query<{ index: string; rows: string; checksum: string }>(
          bucketSql('pharmacy', 'prescription', 'prescription_id', 'created_at', EPCS_WHERE, EPCS_HASH),
          [context.cutoff, expected.buckets.start, expected.buckets.width],
        );
        offendingKeys.push(
          ...differingRanges('pharmacy.prescription', 'prescription_id', expected.buckets, diff.map((d) => ({ index: Number(d.index), rows: Number(d.rows), checksum: d.checksum }))),
        );
      }
    }
    offendingKeys.unshift(...keysOf(bad, 'prescription:'));
    return {
      passed: len(bad) === 0 && matchesManifest,
      measured: { epcsPrescriptions: rows, expected: expected?.count ?? null, payloadHashMismatches: len(bad), matchesManifest, ...modeOf(proof) },
      offendingKeys: offendingKeys.slice(0, MAX_KEYS),
    };
  },
};

/** The source verification each pharmacy check's incremental proof needs (run by the manifest job). */
export const PHARMACY_INVARIANT_FACTS: Record<string, (query: SourceQuery, cutoff: Date) => Promise<InvariantFact>> = {
  'foreign-keys': foreignKeysFact,
  'fill-numbering': fillNumberingFact,
  'rx-uniqueness': rxUniquenessFact,
  'cs-ledger': csLedgerFact,
  'audit-chain': auditChainFact,
  'claim-reversals': claimReversalsFact,
  'epcs-signatures': epcsFact,
};

export const PHARMACY_CHECKS: CheckDefinition[] = [
  foreignKeysCheck,
  fillNumberingCheck,
  rxUniquenessCheck,
  csLedgerCheck,
  auditChainCheck,
  claimReversalsCheck,
  epcsSignaturesCheck,
];
