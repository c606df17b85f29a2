import type { ClientBase } from 'pg';

export interface ChosenKey {
  /** The columns that identify a row (empty: none, the table is checksummed whole). */
  readonly keyColumns: string[];
  /** The first key column when it is an integer: its ranges are the buckets. */
  readonly keyColumn?: string;
  readonly reason: string;
}

const INTEGER_TYPES = new Set(['smallint', 'integer', 'bigint']);

/**
 * The key of a table: its primary key, else the narrowest unique index over not-null plain columns
 * (no expression, no predicate), else none.
 */
export async function chooseKey(client: ClientBase, ref: string): Promise<ChosenKey> {
  const { rows } = await client.query<{ primary: boolean; name: string; columns: string[]; types: string[] }>(
    `SELECT i.indisprimary AS primary, ic.relname AS name,
            array_agg(a.attname::text ORDER BY k.ord) AS columns,
            array_agg(format_type(a.atttypid, NULL)::text ORDER BY k.ord) AS types
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
       LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1::regclass AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
        AND k.ord <= i.indnkeyatts
      GROUP BY i.indexrelid, i.indisprimary, ic.relname
     HAVING bool_and(a.attnotnull)
      ORDER BY i.indisprimary DESC, count(*), ic.relname`,
    [ref],
  );
  const best = rows[0];
  if (!best) return { keyColumns: [], reason: 'no primary key and no unique not-null columns: checksummed whole' };
  const first = best.columns[0];
  const keyColumn = first !== undefined && INTEGER_TYPES.has(best.types[0] ?? '') ? first : undefined;
  const what = best.primary ? 'primary key' : `unique not-null index ${best.name}`;
  const bucketing = keyColumn ? `buckets by ranges of ${keyColumn}` : 'buckets by key hash';
  return { keyColumns: best.columns, keyColumn, reason: `${what} (${best.columns.join(', ')}); ${bucketing}` };
}
