import {
  CheckContext,
  CheckDefinition,
  keysOf,
  manifestProves,
  MAX_KEYS,
  num,
  OLD_ROWS_DIFFER,
  TableGate,
} from '../check';
import { differingKeyRanges } from '../differing-buckets';
import { applies, factOf, fullByManifest, InvariantFact, newRowsPass, SourceQuery, spec } from './invariant';

/**
 * Invariant 1: every foreign key resolves (no orphan prescriptions, fills, claims, inventory, ledger or
 * PDMP rows).
 *
 * - source (manifest job): every old child's foreign key resolves to an old parent.
 * - full: one scan per child table, anti-joined (LEFT JOIN ... IS NULL) to each parent.
 * - incremental: decided per child table; the new children (the key range above the old ones), each parent
 *   looked up through the parent's key index. The
 *   result's mode is `mixed` when some child tables took one path and some the other.
 */

interface ForeignKey {
  child: string;
  key: string;
  columns: string[];
  parent: string;
  parentColumns: string[];
}

/** child table, its key, FK column(s), parent table, parent column(s). */
const FOREIGN_KEYS: ReadonlyArray<ForeignKey> = [
  {
    child: 'prescription',
    key: 'prescription_id',
    columns: ['pharmacy_id'],
    parent: 'pharmacy',
    parentColumns: ['pharmacy_id'],
  },
  {
    child: 'prescription',
    key: 'prescription_id',
    columns: ['patient_id'],
    parent: 'patient',
    parentColumns: ['patient_id'],
  },
  {
    child: 'prescription',
    key: 'prescription_id',
    columns: ['prescriber_id'],
    parent: 'prescriber',
    parentColumns: ['prescriber_id'],
  },
  {
    child: 'prescription',
    key: 'prescription_id',
    columns: ['product_id'],
    parent: 'product',
    parentColumns: ['product_id'],
  },
  {
    child: 'fill',
    key: 'fill_id',
    columns: ['prescription_id'],
    parent: 'prescription',
    parentColumns: ['prescription_id'],
  },
  { child: 'claim', key: 'claim_id', columns: ['fill_id'], parent: 'fill', parentColumns: ['fill_id'] },
  { child: 'claim', key: 'claim_id', columns: ['reverses_claim_id'], parent: 'claim', parentColumns: ['claim_id'] },
  {
    child: 'inventory_transaction',
    key: 'txn_id',
    columns: ['pharmacy_id'],
    parent: 'pharmacy',
    parentColumns: ['pharmacy_id'],
  },
  {
    child: 'inventory_transaction',
    key: 'txn_id',
    columns: ['product_id'],
    parent: 'product',
    parentColumns: ['product_id'],
  },
  { child: 'inventory_transaction', key: 'txn_id', columns: ['fill_id'], parent: 'fill', parentColumns: ['fill_id'] },
  {
    child: 'cs_opening_inventory',
    key: 'inventory_id',
    columns: ['pharmacy_id'],
    parent: 'pharmacy',
    parentColumns: ['pharmacy_id'],
  },
  {
    child: 'cs_opening_inventory',
    key: 'inventory_id',
    columns: ['product_id'],
    parent: 'product',
    parentColumns: ['product_id'],
  },
  {
    child: 'cs_ledger',
    key: 'entry_id',
    columns: ['txn_id'],
    parent: 'inventory_transaction',
    parentColumns: ['txn_id'],
  },
  {
    child: 'cs_ledger',
    key: 'entry_id',
    columns: ['pharmacy_id', 'product_id'],
    parent: 'cs_opening_inventory',
    parentColumns: ['pharmacy_id', 'product_id'],
  },
  { child: 'pdmp_report', key: 'report_id', columns: ['fill_id'], parent: 'fill', parentColumns: ['fill_id'] },
];

/** How a foreign key is named in `measured`: `child.column(+column) -> parent`. */
const labelOf = (f: ForeignKey): string => `${f.child}.${f.columns.join('+')} -> ${f.parent}`;

const cutoffOf = (table: string): string => spec(table).cutoffColumn;

/** `p<i>.<parent column> = c.<column>` for each column of foreign key `i`. */
const joinCondition = (f: ForeignKey, i: number): string =>
  f.columns.map((c, j) => `p${i}.${f.parentColumns[j]} = c.${c}`).join(' AND ');

/** The child rows whose foreign key `i` is set but found no parent row. */
const orphanFilter = (f: ForeignKey, i: number): string =>
  `${f.columns.map((c) => `c.${c} IS NOT NULL`).join(' AND ')} AND p${i}.${f.parentColumns[0]} IS NULL`;

/** One scan of a child, anti-joined (LEFT JOIN ... IS NULL) against each parent's keys. */
function orphanSql(child: string): string {
  const fks = FOREIGN_KEYS.filter((f) => f.child === child);
  const key = fks[0]?.key ?? 'id';
  const joins = fks.map((f, i) => `LEFT JOIN pharmacy.${f.parent} p${i} ON ` + joinCondition(f, i));
  const selects = fks.map((f, i) => `array_agg(c.${key}) FILTER (WHERE ${orphanFilter(f, i)}) AS o${i}`);
  return `SELECT ${selects.join(', ')} FROM pharmacy.${child} c ${joins.join(' ')}`;
}

/**
 * The orphans among a few suspect children of `f` (`from`: the new rows, or those in differing key ranges),
 * their parents looked up through the parent's key index: a join would hash the whole parent table (every
 * fill, to check the claims of the last days), so its cost would grow with the manifest's age. A single
 * column is looked up as one sorted array of the distinct values (`= ANY`): when the parent holds as many
 * distinct keys among them as there are values, no child is an orphan, and nothing more is read; otherwise
 * the orphans are listed. A composite key is looked up per child.
 */
async function suspectOrphans(context: CheckContext, f: ForeignKey, from: string): Promise<unknown> {
  const [column, parentColumn] = [f.columns[0], f.parentColumns[0]];
  if (f.columns.length > 1 || !column || !parentColumn) {
    const probe = `SELECT 1 AS found FROM pharmacy.${f.parent} p0 WHERE ${joinCondition(f, 0)} LIMIT 1`;
    const orphan = `${f.columns.map((c) => `c.${c} IS NOT NULL`).join(' AND ')} AND p.found IS NULL`;
    const [row] = await context.query(
      `SELECT array_agg(c.${f.key}) FILTER (WHERE ${orphan}) AS o0 FROM ${from} c LEFT JOIN LATERAL (${probe}) p ON true`,
    );
    return row?.o0;
  }
  const [counts] = await context.query(
    `WITH v AS MATERIALIZED (SELECT ARRAY(SELECT DISTINCT c.${column} FROM ${from} c
                                           WHERE c.${column} IS NOT NULL ORDER BY 1) AS vs)
     SELECT cardinality(v.vs) AS wanted,
            (SELECT count(*) FROM (SELECT DISTINCT p0.${parentColumn} FROM pharmacy.${f.parent} p0
                                    WHERE p0.${parentColumn} = ANY(v.vs)) p) AS found
       FROM v`,
  );
  if (num(counts?.wanted) === num(counts?.found)) return null;
  const [row] = await context.query(
    `WITH c AS MATERIALIZED (SELECT c.${f.key} AS k, c.${column} AS v FROM ${from} c WHERE c.${column} IS NOT NULL),
          found AS MATERIALIZED (SELECT p0.${parentColumn} AS v FROM pharmacy.${f.parent} p0
                                  WHERE p0.${parentColumn} = ANY(ARRAY(SELECT DISTINCT v FROM c ORDER BY v)))
     SELECT array_agg(c.k) AS o0 FROM c WHERE NOT EXISTS (SELECT 1 FROM found WHERE found.v = c.v)`,
  );
  return row?.o0;
}

/**
 * The child rows of `f` that can be orphans, given the gates of its child and parent tables: the new
 * children, plus — for a table whose old rows differ from the manifest only in some key ranges — the
 * children in those ranges (child) or pointing into them (parent). Undefined when only every child can tell.
 */
async function suspectChildren(
  context: CheckContext,
  gates: Map<string, TableGate>,
  f: ForeignKey,
): Promise<{ relation: string; rows: boolean } | undefined> {
  const child = gates.get(f.child);
  if (!child) return undefined;
  const parts = child.newRows ? [child.newRelation] : [];
  const sides = [
    { table: f.child, column: f.key },
    { table: f.parent, column: f.columns.length === 1 ? f.columns[0] : undefined, target: f.parentColumns[0] },
  ];
  for (const side of sides) {
    const gate = gates.get(side.table);
    if (gate?.ok) continue;
    const t = context.table('pharmacy', side.table);
    const keyed = side.column && t && (!('target' in side) || t.keyColumn === side.target);
    if (!gate || gate.reason !== OLD_ROWS_DIFFER || !keyed) return undefined;
    const ranges = await differingKeyRanges(context, t);
    if (!ranges) return undefined;
    const within = ranges.map(([low, high]) => `${side.column} BETWEEN ${low} AND ${high}`);
    if (within.length) parts.push(`(SELECT * FROM pharmacy.${f.child} WHERE ${within.join(' OR ')})`);
  }
  // A child both new and in a differing range would be counted twice: only a union of parts needs DISTINCT.
  const relation =
    parts.length > 1
      ? `(SELECT DISTINCT * FROM (${parts.map((p) => `SELECT * FROM ${p} x`).join(' UNION ALL ')}) s)`
      : (parts[0] ?? `(SELECT * FROM pharmacy.${f.child} WHERE false)`);
  return { relation, rows: parts.length > 0 };
}

const FK_CHILDREN = [...new Set(FOREIGN_KEYS.map((f) => f.child))];
const FK_TABLES = [...new Set(FOREIGN_KEYS.flatMap((f) => [f.child, f.parent]))];

/** Source: every old child's foreign key resolves to an old parent (so the copy's old rows alone keep it true). */
export async function foreignKeysFact(query: SourceQuery, cutoff: Date): Promise<InvariantFact> {
  const measured: Record<string, number> = {};
  await Promise.all(
    FK_CHILDREN.map(async (child) => {
      const fks = FOREIGN_KEYS.filter((f) => f.child === child);
      const joins = fks.map(
        (f, i) =>
          `LEFT JOIN pharmacy.${f.parent} p${i} ON ${joinCondition(f, i)} AND p${i}.${cutoffOf(f.parent)} <= $1`,
      );
      const selects = fks.map((f, i) => `count(*) FILTER (WHERE ${orphanFilter(f, i)}) AS o${i}`);
      const [row] = await query(
        `SELECT ${selects.join(', ')} FROM pharmacy.${child} c ${joins.join(' ')} WHERE c.${cutoffOf(child)} <= $1`,
        [cutoff],
      );
      fks.forEach((f, i) => (measured[labelOf(f)] = num(row?.[`o${i}`])));
    }),
  );
  return factOf(measured);
}

export const foreignKeysCheck: CheckDefinition = {
  name: 'foreign-keys',
  suite: 'pharmacy',
  description: 'every foreign key resolves (no orphan prescriptions, fills, claims, inventory, ledger or PDMP rows)',
  applies,
  passes: () => FK_TABLES.map((table) => newRowsPass(table)),
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
        // Localized when some of those tables differ in known key ranges only: the children in them, or
        // pointing into them, are checked too. Full otherwise.
        const proof = await manifestProves(context, 'foreign-keys', [child, ...fks.map((f) => f.parent)]);
        const suspects =
          proof.gates.size && !fullByManifest(context.manifest, 'foreign-keys')
            ? await Promise.all(fks.map((f) => suspectChildren(context, proof.gates, f)))
            : [];
        let rows: Record<string, unknown>[] = [];
        if (suspects.length && suspects.every((s) => s !== undefined)) {
          modes[child] = proof.ok ? 'incremental' : 'localized';
          const found = await Promise.all(
            fks.map((f, i) =>
              suspects[i]?.rows ? suspectOrphans(context, f, suspects[i].relation) : Promise.resolve(null),
            ),
          );
          rows = [Object.fromEntries(fks.map((_, i) => [`o${i}`, found[i]]))];
        } else {
          modes[child] = 'full';
          fullReasons.push(`${child}: ${proof.reason ?? ''}`);
          rows = await context.query(orphanSql(child));
        }
        fks.forEach((f, i) => {
          const keys = rows[0]?.[`o${i}`];
          const count = Array.isArray(keys) ? keys.length : 0;
          if (count > 0) {
            orphans[labelOf(f)] = count;
            offendingKeys.push(...keysOf(keys, `${child}:${key}=`, MAX_KEYS));
          }
        });
      }),
    );
    const all = (mode: string): boolean => Object.values(modes).every((m) => m === mode);
    const mode = ['incremental', 'localized', 'full'].find(all) ?? 'mixed';
    return {
      passed: Object.keys(orphans).length === 0,
      measured: {
        foreignKeys: FOREIGN_KEYS.length,
        orphans,
        mode,
        // In table order, not completion order: the evidence message must not depend on timing.
        modes: Object.fromEntries(FK_CHILDREN.map((c) => [c, modes[c]])),
        ...(fullReasons.length ? { fullReason: fullReasons.slice(0, 3).join('; ') } : {}),
      },
      offendingKeys: [...new Set(offendingKeys)].slice(0, MAX_KEYS),
    };
  },
};
