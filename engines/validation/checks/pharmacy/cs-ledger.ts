import { tupleHash } from '../../checksum';
import { CheckContext, CheckDefinition, keysOf, manifestProves, MAX_KEYS, newRowsOf, num } from '../check';
import { applies, factOf, InvariantFact, len, modeOf, newRowsPass, SourceQuery } from './invariant';

/**
 * Invariant 4: controlled-substance ledger: opening balance + movements = on hand at every entry, never
 * negative, and the entries match the inventory transactions.
 *
 * - source (manifest job): each ledger's old entries are a balanced, non-negative chain 0..m-1 from an old
 *   opening count; every old entry matches an old inventory transaction; every old transaction has an old entry.
 * - full: per (pharmacy, product), entries numbered 0..n-1 and the multiset {(no, after)} + {(-1, opening)}
 *   equals {(no-1, after-change)} + {(last, opening+sum)} (sums of mixed hashes, no sort); every entry against
 *   its transaction and every transaction against the entries; failing ledgers localised with a window query.
 * - incremental: per ledger with an entry after the cut-off, its new entries continue the entry before the first
 *   of them (the old chain ends there, proven at the source): a ledger's old entries are never read again.
 *   Ledgers with an opening count after the cut-off are checked whole. The new entries against their
 *   transactions; every new transaction referenced by a new entry.
 */

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
        FROM g LEFT JOIN pharmacy.cs_opening_inventory o
          ON o.pharmacy_id = g.pharmacy_id AND o.product_id = g.product_id AND ${opening}
       WHERE o.pharmacy_id IS NULL OR g.min_no <> 0 OR g.max_no <> g.n - 1 OR g.min_balance < 0
          OR g.after_sum + ${tupleHash('-1', 'o.opening_balance::bigint')}
             <> g.before_sum + ${tupleHash('g.max_no', '(o.opening_balance + g.total)::bigint')}
       ${tail}`;
}

/**
 * Per ledger with new entries (`newEntries`, a relation): they continue the old chain. The source proved each
 * ledger's old entries a balanced, non-negative chain 0..m-1, and the gate that those rows are unchanged, so the
 * new entries must be numbered m..n-1 once each (no entry of the ledger but them from m on: nothing old is
 * renumbered or restarted), their balances non-negative, and each one's balance before the movement the
 * previous one's after, starting from entry m-1 (one index probe; the opening count when m is 0):
 * {(no, after)} + {(m - 1, start)} = {(no - 1, after - change)} + {(last no, start + sum)}.
 * Ledgers `opened` (a condition) after the cut-off are left to the whole-ledger check.
 */
function newEntriesContinueSql(newEntries: string, opened: string): string {
  return `
      WITH g AS MATERIALIZED (
        SELECT pharmacy_id, product_id, count(*) AS n, min(entry_no) AS min_no, max(entry_no) AS max_no,
               sum(quantity_change)::bigint AS total, min(balance_after) AS min_balance,
               sum(${tupleHash('entry_no', 'balance_after::bigint')}) AS after_sum,
               sum(${tupleHash('entry_no - 1', '(balance_after - quantity_change)::bigint')}) AS before_sum
          FROM ${newEntries} n WHERE NOT ${opened} GROUP BY 1, 2),
      s AS (
        SELECT g.*, CASE WHEN g.min_no = 0 THEN o.opening_balance ELSE prev.balance_after END::bigint AS start,
               (SELECT count(*) FROM pharmacy.cs_ledger t WHERE t.pharmacy_id = g.pharmacy_id
                   AND t.product_id = g.product_id AND t.entry_no >= g.min_no) AS from_first_new
          FROM g
          LEFT JOIN pharmacy.cs_ledger prev ON prev.pharmacy_id = g.pharmacy_id AND prev.product_id = g.product_id
                AND prev.entry_no = g.min_no - 1
          LEFT JOIN pharmacy.cs_opening_inventory o ON o.pharmacy_id = g.pharmacy_id AND o.product_id = g.product_id)
      SELECT pharmacy_id, product_id, min_balance < 0 AS negative, count(*) OVER () AS bad_groups
        FROM s
       WHERE start IS NULL OR min_no < 0 OR max_no <> min_no + n - 1 OR from_first_new <> n OR min_balance < 0
          OR after_sum + ${tupleHash('min_no - 1', 'start')} <> before_sum + ${tupleHash('max_no', 'start + total')}
       ${FIRST_GROUPS}`;
}

/** An unbalanced ledger as `ledgerGroupsSql` reports it (the first MAX_KEYS, with the count of all). */
type LedgerGroup = { pharmacy_id: number; product_id: number; negative: boolean; bad_groups: string };
const FIRST_GROUPS = `ORDER BY 1, 2 LIMIT ${MAX_KEYS}`;

/** A ledger entry `l` whose inventory transaction `t` is missing or records another movement. */
const MISMATCH =
  't.txn_id IS NULL OR t.quantity_change <> l.quantity_change OR t.pharmacy_id <> l.pharmacy_id ' +
  'OR t.product_id <> l.product_id';

/**
 * Source: every ledger's old entries form a balanced, non-negative chain 0..m-1 from an old opening count;
 * every old entry matches an old inventory transaction, and every old transaction has an old entry. A ledger
 * with no entry (or opening count) after the cut-off then keeps its invariant on the copy; the others are
 * checked whole.
 */
export async function csLedgerFact(query: SourceQuery, cutoff: Date): Promise<InvariantFact> {
  const oldLedgers = ledgerGroupsSql('recorded_at <= $1', 'o.counted_at <= $1', '');
  const [groups, movements] = await Promise.all([
    query(`SELECT count(*) AS bad FROM (${oldLedgers}) x`, [cutoff]),
    query(
      `SELECT (SELECT count(*) FROM pharmacy.cs_ledger l
                 LEFT JOIN pharmacy.inventory_transaction t ON t.txn_id = l.txn_id AND t.occurred_at <= $1
                WHERE l.recorded_at <= $1 AND (${MISMATCH})) AS mismatched,
              (SELECT count(*) FROM pharmacy.inventory_transaction t
                WHERE t.occurred_at <= $1
                  AND NOT EXISTS (SELECT 1 FROM pharmacy.cs_ledger l WHERE l.txn_id = t.txn_id AND l.recorded_at <= $1))
                AS unledgered`,
      [cutoff],
    ),
  ]);
  return factOf({
    unbalancedLedgers: num(groups[0]?.bad),
    entriesNotMatchingTransactions: num(movements[0]?.mismatched),
    transactionsWithoutEntry: num(movements[0]?.unledgered),
  });
}

const LEDGER_TABLES = ['cs_ledger', 'cs_opening_inventory', 'inventory_transaction'];

/**
 * The new entries (`entries`, a relation) that do not match their inventory transaction, and the new
 * transactions (`transactions`) no new entry references: old entries reference old transactions only
 * (source) and new keys are unique, so a transaction after the cut-off is ledgered exactly when an entry
 * after the cut-off references it.
 */
const newMovementsSql = (entries: string, transactions: string): string => `
  SELECT (SELECT array_agg(l.entry_id) FROM ${entries} l LEFT JOIN pharmacy.inventory_transaction t USING (txn_id)
           WHERE ${MISMATCH}) AS mismatched,
         (SELECT array_agg(t.txn_id) FROM ${transactions} t
           WHERE NOT EXISTS (SELECT 1 FROM ${entries} l WHERE l.txn_id = t.txn_id)) AS unledgered`;

export const csLedgerCheck: CheckDefinition = {
  name: 'cs-ledger',
  suite: 'pharmacy',
  description:
    'controlled-substance ledger: opening + movements = on hand at every entry, never negative, ' +
    'entries match inventory transactions',
  applies,
  passes: () => LEDGER_TABLES.map((table) => newRowsPass(table)),
  async run(context) {
    const proof = await manifestProves(context, 'cs-ledger', LEDGER_TABLES);
    let groups: LedgerGroup[];
    let m: Record<string, unknown>;
    let entries: number;
    if (proof.ok) {
      // Only the new entries, ledgers opened after the cut-off, and the new transactions can break it.
      const [newEntries = '', newOpenings = '', newTransactions = ''] = LEDGER_TABLES.map((t) =>
        newRowsOf(proof.gates, t),
      );
      const changed = (t: string): number => proof.gates.get(t)?.newRows ?? 0;
      const opened = `(pharmacy_id, product_id) IN (SELECT pharmacy_id, product_id FROM ${newOpenings} n)`;
      const none = Promise.resolve([] as LedgerGroup[]);
      const [continued, newlyOpened, mv] = await Promise.all([
        changed('cs_ledger') ? context.query<LedgerGroup>(newEntriesContinueSql(newEntries, opened)) : none,
        changed('cs_opening_inventory')
          ? context.query<LedgerGroup>(ledgerGroupsSql(opened, 'true', FIRST_GROUPS))
          : none,
        changed('cs_ledger') || changed('inventory_transaction')
          ? context.query(newMovementsSql(newEntries, newTransactions))
          : Promise.resolve([]),
      ]);
      groups = mergeGroups(continued, newlyOpened);
      m = mv[0] ?? {};
      entries = (proof.gates.get('cs_ledger')?.oldRows ?? 0) + changed('cs_ledger');
    } else {
      const movementsSql = `
        SELECT (SELECT array_agg(l.entry_id) FROM pharmacy.cs_ledger l
                  LEFT JOIN pharmacy.inventory_transaction t USING (txn_id) WHERE ${MISMATCH}) AS mismatched,
               (SELECT array_agg(t.txn_id) FROM pharmacy.inventory_transaction t
                 WHERE NOT EXISTS (SELECT 1 FROM pharmacy.cs_ledger l WHERE l.txn_id = t.txn_id)) AS unledgered,
               (SELECT count(*) FROM pharmacy.cs_ledger) AS entries`;
      const [g, mv] = await Promise.all([
        context.query<LedgerGroup>(ledgerGroupsSql('true', 'true', FIRST_GROUPS)),
        context.query(movementsSql),
      ]);
      groups = g;
      m = mv[0] ?? {};
      entries = num(m.entries);
    }
    const offendingKeys: string[] = [];
    if (groups.length > 0) offendingKeys.push(...(await localizeLedger(context, groups)));
    offendingKeys.push(
      ...keysOf(m.mismatched, 'cs_ledger:entry_id='),
      ...keysOf(m.unledgered, 'inventory_transaction:txn_id='),
    );
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

/** The unbalanced ledgers of two disjoint sets of ledgers: the first MAX_KEYS in key order, with the count of all. */
function mergeGroups(a: LedgerGroup[], b: LedgerGroup[]): LedgerGroup[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const all = String(num(a[0]?.bad_groups) + num(b[0]?.bad_groups));
  return [...a, ...b]
    .sort((x, y) => x.pharmacy_id - y.pharmacy_id || x.product_id - y.product_id)
    .slice(0, MAX_KEYS)
    .map((g) => ({ ...g, bad_groups: all }));
}

/**
 * For unbalanced ledgers, the first entries whose running balance does not follow (window query, failures
 * only).
 */
async function localizeLedger(context: CheckContext, groups: LedgerGroup[]): Promise<string[]> {
  const keys: string[] = [];
  for (const g of groups) {
    const rows = await context.query<{ entry_id: string }>(
      `SELECT entry_id FROM (
         SELECT l.entry_id, l.entry_no, l.balance_after, l.quantity_change,
                coalesce(lag(l.balance_after) OVER (ORDER BY l.entry_no, l.entry_id), o.opening_balance) AS before,
                lag(l.entry_no) OVER (ORDER BY l.entry_no, l.entry_id) AS prev_no
           FROM pharmacy.cs_ledger l LEFT JOIN pharmacy.cs_opening_inventory o USING (pharmacy_id, product_id)
          WHERE l.pharmacy_id = $1 AND l.product_id = $2) x
        WHERE balance_after - quantity_change IS DISTINCT FROM before OR balance_after < 0
           OR entry_no <> coalesce(prev_no + 1, 0)
        ORDER BY entry_no LIMIT 2`,
      [g.pharmacy_id, g.product_id],
    );
    keys.push(
      ...(rows.length
        ? rows.map((r) => `cs_ledger:entry_id=${r.entry_id}`)
        : [`cs_ledger:pharmacy_id=${g.pharmacy_id},product_id=${g.product_id}`]),
    );
  }
  return keys;
}
