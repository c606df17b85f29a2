import { bucketSql, differingRanges, tupleHash } from '../checksum';
import { EPCS_HASH, EPCS_WHERE } from '../manifest';
import type { Manifest } from '../manifest-schema';
import { CheckContext, CheckDefinition, keysOf, MAX_KEYS, num } from './check';

/**
 * The integrity invariants of the reference pharmacy schema (DOMAIN.md). Each check detects violations in
 * as few passes as it can (several fold into the shared per-table pass) and reports keys, never values.
 */

const applies = (m: Manifest): boolean => m.pharmacy !== undefined;

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

export const foreignKeysCheck: CheckDefinition = {
  name: 'foreign-keys',
  suite: 'pharmacy',
  description: 'every foreign key resolves (no orphan prescriptions, fills, claims, inventory, ledger or PDMP rows)',
  applies,
  async run(context) {
    const children = [...new Set(FOREIGN_KEYS.map((f) => f.child))];
    const orphans: Record<string, number> = {};
    const offendingKeys: string[] = [];
    await Promise.all(
      children.map(async (child) => {
        const fks = FOREIGN_KEYS.filter((f) => f.child === child);
        const key = fks[0]?.key ?? 'id';
        // One scan of the child per table, anti-joined (LEFT JOIN ... IS NULL) against each parent's keys.
        const joins = fks.map(
          (f, i) =>
            `LEFT JOIN pharmacy.${f.parent} p${i} ON ` +
            f.columns.map((c, j) => `p${i}.${f.parentColumns[j]} = c.${c}`).join(' AND '),
        );
        const selects = fks.map(
          (f, i) => `array_agg(c.${key}) FILTER (WHERE ${f.columns.map((c) => `c.${c} IS NOT NULL`).join(' AND ')} AND p${i}.${f.parentColumns[0]} IS NULL) AS o${i}`,
        );
        const rows = await context.query(`SELECT ${selects.join(', ')} FROM pharmacy.${child} c ${joins.join(' ')}`);
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
    return { passed: Object.keys(orphans).length === 0, measured: { foreignKeys: FOREIGN_KEYS.length, orphans }, offendingKeys: offendingKeys.slice(0, MAX_KEYS) };
  },
};

export const fillNumberingCheck: CheckDefinition = {
  name: 'fill-numbering',
  suite: 'pharmacy',
  description: 'fill numbers per prescription run 0..k without gaps or duplicates, k <= refills authorised, Schedule II has no refills',
  applies,
  async run(context) {
    // bit_or of 1 << fill_number equals 2^n - 1 exactly when the n fills are numbered 0..n-1 once each.
    const rows = await context.query(`
      WITH g AS (
        SELECT prescription_id, count(*) AS n,
               bit_or(CASE WHEN fill_number BETWEEN 0 AND 62 THEN 1::bigint << fill_number ELSE 0 END) AS mask,
               bool_or(fill_number NOT BETWEEN 0 AND 62) AS out_of_range
          FROM pharmacy.fill GROUP BY prescription_id)
      SELECT array_agg(p.prescription_id) FILTER (WHERE g.n > 62 OR g.out_of_range OR g.mask <> (1::bigint << g.n::int) - 1) AS gaps,
             array_agg(p.prescription_id) FILTER (WHERE g.n - 1 > p.refills_authorized) AS too_many,
             array_agg(p.prescription_id) FILTER (WHERE pr.dea_schedule = 2 AND p.refills_authorized > 0) AS cii_refills,
             count(*) AS prescriptions
        FROM pharmacy.prescription p
        LEFT JOIN g USING (prescription_id)
        LEFT JOIN pharmacy.product pr ON pr.product_id = p.product_id`);
    const row = rows[0] ?? {};
    const lengths = { gaps: len(row.gaps), tooMany: len(row.too_many), scheduleIIRefills: len(row.cii_refills) };
    const keys = [...keysOf(row.gaps, 'prescription:'), ...keysOf(row.too_many, 'prescription:'), ...keysOf(row.cii_refills, 'prescription:')];
    return {
      passed: lengths.gaps + lengths.tooMany + lengths.scheduleIIRefills === 0,
      measured: { prescriptions: num(row.prescriptions), ...lengths },
      offendingKeys: [...new Set(keys)].slice(0, MAX_KEYS),
    };
  },
};

function len(value: unknown): number {
  return Array.isArray(value) ? value.length : 0;
}

export const rxUniquenessCheck: CheckDefinition = {
  name: 'rx-uniqueness',
  suite: 'pharmacy',
  description: 'Rx numbers are unique per pharmacy',
  applies,
  async run(context) {
    const rows = await context.query<{ groups: string; ids: string[] }>(`
      SELECT count(*) OVER () AS groups, ids FROM (
        SELECT array_agg(prescription_id ORDER BY prescription_id) AS ids FROM pharmacy.prescription
         GROUP BY pharmacy_id, rx_number HAVING count(*) > 1) d
      LIMIT ${MAX_KEYS}`);
    const groups = num(rows[0]?.groups);
    return {
      passed: groups === 0,
      measured: { duplicateRxNumbers: groups },
      offendingKeys: rows.flatMap((r) => r.ids.map((id) => `prescription:${id}`)).slice(0, MAX_KEYS),
    };
  },
};

export const csLedgerCheck: CheckDefinition = {
  name: 'cs-ledger',
  suite: 'pharmacy',
  description: 'controlled-substance ledger: opening + movements = on hand at every entry, never negative, entries match inventory transactions',
  applies,
  async run(context) {
    // Per (pharmacy, product): entries numbered 0..n-1 and each entry's balance before the movement equals
    // the previous entry's balance after (the opening balance for entry 0). Compared order-independently:
    // {(no, after)} + {(-1, opening)} must equal {(no - 1, after - change)} + {(last no, opening + sum)}.
    const groupsSql = `
      WITH g AS (
        SELECT pharmacy_id, product_id, count(*) AS n, min(entry_no) AS min_no, max(entry_no) AS max_no,
               sum(quantity_change)::bigint AS total, min(balance_after) AS min_balance,
               sum(${tupleHash('entry_no', 'balance_after::bigint')}) AS after_sum,
               sum(${tupleHash('entry_no - 1', '(balance_after - quantity_change)::bigint')}) AS before_sum
          FROM pharmacy.cs_ledger GROUP BY 1, 2)
      SELECT g.pharmacy_id, g.product_id, g.min_balance < 0 AS negative,
             count(*) OVER () AS bad_groups
        FROM g LEFT JOIN pharmacy.cs_opening_inventory o USING (pharmacy_id, product_id)
       WHERE o.pharmacy_id IS NULL OR g.min_no <> 0 OR g.max_no <> g.n - 1 OR g.min_balance < 0
          OR g.after_sum + ${tupleHash('-1', 'o.opening_balance::bigint')}
             <> g.before_sum + ${tupleHash('g.max_no', '(o.opening_balance + g.total)::bigint')}
       ORDER BY 1, 2 LIMIT ${MAX_KEYS}`;
    const movementsSql = `
      SELECT (SELECT array_agg(l.entry_id) FROM pharmacy.cs_ledger l LEFT JOIN pharmacy.inventory_transaction t USING (txn_id)
               WHERE t.txn_id IS NULL OR t.quantity_change <> l.quantity_change OR t.pharmacy_id <> l.pharmacy_id OR t.product_id <> l.product_id) AS mismatched,
             (SELECT array_agg(t.txn_id) FROM pharmacy.inventory_transaction t
               WHERE NOT EXISTS (SELECT 1 FROM pharmacy.cs_ledger l WHERE l.txn_id = t.txn_id)) AS unledgered,
             (SELECT count(*) FROM pharmacy.cs_ledger) AS entries`;
    const [groups, movements] = await Promise.all([
      context.query<{ pharmacy_id: number; product_id: number; negative: boolean; bad_groups: string }>(groupsSql),
      context.query(movementsSql),
    ]);
    const offendingKeys: string[] = [];
    if (groups.length > 0) offendingKeys.push(...(await localizeLedger(context, groups)));
    const m = movements[0] ?? {};
    offendingKeys.push(...keysOf(m.mismatched, 'cs_ledger:entry_id='), ...keysOf(m.unledgered, 'inventory_transaction:txn_id='));
    const badGroups = num(groups[0]?.bad_groups);
    return {
      passed: badGroups === 0 && len(m.mismatched) === 0 && len(m.unledgered) === 0,
      measured: {
        entries: num(m.entries),
        unbalancedLedgers: badGroups,
        negativeLedgers: groups.filter((g) => g.negative).length,
        entriesNotMatchingTransactions: len(m.mismatched),
        transactionsWithoutEntry: len(m.unledgered),
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

export const auditChainCheck: CheckDefinition = {
  name: 'audit-chain',
  suite: 'pharmacy',
  description: 'audit sequence has no gaps, every hash verifies and links to its predecessor, the head matches the manifest and is not after the recovery point',
  applies,
  passes: () => [
    {
      schema: 'pharmacy',
      table: 'audit_event',
      select: {
        audit_n: 'count(*)',
        audit_min: 'min(t.seq)',
        audit_max: 'max(t.seq)',
        audit_newest: 'max(t.occurred_at)',
        audit_bad_hash: `array_agg(t.seq) FILTER (WHERE t.hash IS DISTINCT FROM ${AUDIT_HASH_SQL})`,
        audit_bad_genesis: `count(*) FILTER (WHERE t.seq = 1 AND t.prev_hash <> decode(repeat('00', 32), 'hex'))`,
        audit_after: `coalesce(sum(${tupleHash('t.seq', 't.hash')}), 0)::text`,
        audit_before: `coalesce(sum(${tupleHash('t.seq - 1', 't.prev_hash')}) FILTER (WHERE t.seq > 1), 0)::text`,
      },
    },
  ],
  async run(context) {
    const head = context.manifest.pharmacy?.auditHead;
    const [pass, last, manifestHead] = await Promise.all([
      context.pass('pharmacy', 'audit_event'),
      context.query<{ h: string }>(`SELECT ${tupleHash('t.seq', 't.hash')}::text AS h FROM pharmacy.audit_event t ORDER BY t.seq DESC LIMIT 1`),
      head && head.seq > 0
        ? context.query<{ hash: string }>("SELECT encode(hash, 'hex') AS hash FROM pharmacy.audit_event WHERE seq = $1", [head.seq])
        : Promise.resolve([]),
    ]);
    const n = num(pass.audit_n);
    const min = num(pass.audit_min);
    const max = num(pass.audit_max);
    const sequenceOk = n === 0 || (min === 1 && max === n);
    // Every link: {(seq, hash)} minus the head equals {(seq - 1, prev_hash)} for seq > 1.
    const linksOk = n === 0 || BigInt(String(pass.audit_after)) - BigInt(last[0]?.h ?? '0') === BigInt(String(pass.audit_before));
    const badHashes = len(pass.audit_bad_hash);
    const genesisOk = num(pass.audit_bad_genesis) === 0;
    const newest = pass.audit_newest instanceof Date ? pass.audit_newest : null;
    const afterRecoveryPoint = newest !== null && newest > context.recoveryPointTime;
    const headOk = !head || head.seq === 0 || manifestHead.map((r) => r.hash).includes(head.hash);
    const offendingKeys = keysOf(pass.audit_bad_hash, 'audit_event:seq=');
    if (!sequenceOk || !linksOk || !genesisOk) {
      const broken = await context.query<{ seq: string }>(`
        SELECT seq FROM (
          SELECT seq, prev_hash, lag(hash) OVER w AS prev, lag(seq) OVER w AS prev_seq FROM pharmacy.audit_event WINDOW w AS (ORDER BY seq)) x
         WHERE (prev_seq IS NULL AND (seq <> 1 OR prev_hash <> decode(repeat('00', 32), 'hex')))
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
      },
      offendingKeys: [...new Set(offendingKeys)].slice(0, MAX_KEYS),
    };
  },
};

const CLAIM_KINDS: ReadonlyArray<{ code: 'B1' | 'B2' | 'B3'; status: 'paid' | 'rejected' }> = (['B1', 'B2', 'B3'] as const).flatMap((code) =>
  (['paid', 'rejected'] as const).map((status) => ({ code, status })),
);

export const claimReversalsCheck: CheckDefinition = {
  name: 'claim-reversals',
  suite: 'pharmacy',
  description: 'each paid B1 claim has at most one B2 reversal, reversals point at a paid B1 of the same fill, totals match the manifest',
  applies,
  // Totals per code and status ride on the shared claim pass (no extra scan).
  passes: () => [
    {
      schema: 'pharmacy',
      table: 'claim',
      select: {
        ...Object.fromEntries(
          CLAIM_KINDS.flatMap(({ code, status }) => {
            const where = `t.submitted_at <= $1 AND t.transaction_code = '${code}' AND t.status = '${status}'`;
            return [
              [`claims_${code}_${status}_count`, `count(*) FILTER (WHERE ${where})`],
              [`claims_${code}_${status}_amount`, `coalesce(sum(t.amount) FILTER (WHERE ${where}), 0)::text`],
            ];
          }),
        ),
        claims_unlinked: `array_agg(t.claim_id) FILTER (WHERE t.transaction_code = 'B2' AND t.reverses_claim_id IS NULL)`,
      },
    },
  ],
  async run(context) {
    const [reversals, pass] = await Promise.all([
      context.query(`
        SELECT (SELECT array_agg(k) FROM (SELECT reverses_claim_id AS k FROM pharmacy.claim WHERE reverses_claim_id IS NOT NULL AND transaction_code = 'B2'
                  GROUP BY 1 HAVING count(*) > 1) x) AS multiple,
               (SELECT array_agg(r.claim_id) FROM pharmacy.claim r LEFT JOIN pharmacy.claim o ON o.claim_id = r.reverses_claim_id
                 WHERE r.reverses_claim_id IS NOT NULL
                   AND (r.transaction_code <> 'B2' OR o.claim_id IS NULL OR o.transaction_code <> 'B1' OR o.status <> 'paid' OR o.fill_id <> r.fill_id)) AS bad_target`),
      context.pass('pharmacy', 'claim'),
    ]);
    const r = reversals[0] ?? {};
    const expected = context.manifest.pharmacy?.claimTotals ?? [];
    const totalMismatches: Record<string, { expected: { count: number; amount: string }; actual: { count: number; amount: string } }> = {};
    for (const { code, status } of CLAIM_KINDS) {
      const e = expected.find((x) => x.code === code && x.status === status);
      const ec = { count: e?.count ?? 0, amount: Number(e?.amount ?? 0).toFixed(2) };
      const ac = { count: num(pass[`claims_${code}_${status}_count`]), amount: Number(pass[`claims_${code}_${status}_amount`] ?? 0).toFixed(2) };
      if (ec.count !== ac.count || ec.amount !== ac.amount) totalMismatches[`${code}/${status}`] = { expected: ec, actual: ac };
    }
    const unlinked = Array.isArray(pass.claims_unlinked) ? (pass.claims_unlinked as unknown[]) : [];
    const offendingKeys = [...keysOf(r.multiple, 'claim:'), ...keysOf(r.bad_target, 'claim:'), ...keysOf(unlinked, 'claim:'), ...Object.keys(totalMismatches).map((k) => `claims ${k}`)];
    return {
      passed: len(r.multiple) === 0 && len(r.bad_target) === 0 && unlinked.length === 0 && Object.keys(totalMismatches).length === 0,
      measured: { multiplyReversed: len(r.multiple), reversalsWithBadTarget: len(r.bad_target), reversalsWithoutTarget: unlinked.length, totalMismatches },
      offendingKeys: offendingKeys.slice(0, MAX_KEYS),
    };
  },
};

export const epcsSignaturesCheck: CheckDefinition = {
  name: 'epcs-signatures',
  suite: 'pharmacy',
  description: 'every EPCS signed payload still hashes to its recorded SHA-256, and (id, hash) pairs equal the manifest',
  applies,
  passes: () => [
    {
      schema: 'pharmacy',
      table: 'prescription',
      select: {
        epcs_bad: `array_agg(t.prescription_id) FILTER (WHERE (${EPCS_WHERE}) AND sha256(t.epcs_signed_payload) IS DISTINCT FROM t.epcs_payload_sha256)`,
        epcs_rows: `count(*) FILTER (WHERE (${EPCS_WHERE}) AND t.created_at <= $1)`,
        epcs_checksum: `coalesce(sum(${EPCS_HASH}) FILTER (WHERE (${EPCS_WHERE}) AND t.created_at <= $1), 0)::text`,
      },
    },
  ],
  async run(context) {
    const pass = await context.pass('pharmacy', 'prescription');
    const expected = context.manifest.pharmacy?.epcs;
    const rows = num(pass.epcs_rows);
    const checksum = String(pass.epcs_checksum);
    const matchesManifest = !expected || (expected.count === rows && expected.checksum === checksum);
    const offendingKeys = keysOf(pass.epcs_bad, 'prescription:');
    if (!matchesManifest && expected) {
      const diff = await context.query<{ index: string; rows: string; checksum: string }>(
        bucketSql('pharmacy', 'prescription', 'prescription_id', 'created_at', EPCS_WHERE, EPCS_HASH),
        [context.cutoff, expected.buckets.start, expected.buckets.width],
      );
      offendingKeys.push(
        ...differingRanges('pharmacy.prescription', 'prescription_id', expected.buckets, diff.map((d) => ({ index: Number(d.index), rows: Number(d.rows), checksum: d.checksum }))),
      );
    }
    return {
      passed: len(pass.epcs_bad) === 0 && matchesManifest,
      measured: { epcsPrescriptions: rows, expected: expected?.count ?? null, payloadHashMismatches: len(pass.epcs_bad), matchesManifest },
      offendingKeys: offendingKeys.slice(0, MAX_KEYS),
    };
  },
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
