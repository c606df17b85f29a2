import { CheckDefinition, MAX_KEYS } from '../checks/check';
import { ident } from '../db';

/**
 * Sequences that feed a column (serial, identity): a restored sequence behind the largest value of its
 * column makes the next insert fail with a duplicate key. Checked on the copy itself.
 */
export const sequencesCheck: CheckDefinition = {
  name: 'sequences',
  suite: 'generic',
  description: 'no sequence that feeds a column is behind the largest value in that column',
  async run(context) {
    const owned = await context.query<{ sequence: string; schema: string; table: string; column: string }>(
      `SELECT s.oid::regclass::text AS sequence, n.nspname AS schema, c.relname AS table, a.attname AS column
         FROM pg_class s JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
                                         AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
         JOIN pg_class c ON c.oid = d.refobjid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
        WHERE s.relkind = 'S' AND n.nspname = ANY($1::text[]) AND NOT c.relispartition ORDER BY 1`,
      [context.manifest.schemas],
    );
    const behind: string[] = [];
    for (const o of owned) {
      const [row] = await context.query<{ next: string | null; max: string | null }>(
        `SELECT (SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM ${o.sequence})::text AS next,
                (SELECT max(${ident(o.column)}) FROM ${ident(o.schema)}.${ident(o.table)})::text AS max`,
      );
      if (row?.max !== null && row?.max !== undefined && BigInt(row.next ?? '0') <= BigInt(row.max))
        behind.push(`${o.sequence} next ${row.next} <= max ${o.schema}.${o.table}.${o.column} ${row.max}`);
    }
    return {
      passed: behind.length === 0,
      measured: { sequences: owned.length, behind },
      offendingKeys: behind.slice(0, MAX_KEYS),
    };
  },
};
