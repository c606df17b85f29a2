import type { ClientBase } from 'pg';

export interface DescribedColumn {
  readonly name: string;
  readonly type: string;
  readonly hash?: 'text';
  readonly notNull?: boolean;
}

/**
 * A table's columns in ordinal order, each marked `hash: 'text'` when its type has no extended hash
 * function (PostgreSQL looks the function up even for a NULL value, so a one-row probe per type tells), or
 * when its hash is the hash of an OID: an enum hashes its label's OID, `oid` and the `reg*` types are OIDs,
 * and a dump/restore or another server numbers them anew, so an array, domain, range or composite holding
 * one is hashed by its text form too (labels and names, the same on every copy).
 */
export async function describeColumns(client: ClientBase, schema: string, table: string): Promise<DescribedColumn[]> {
  const { rows } = await client.query<{ name: string; type: string; notNull: boolean; oidBased: boolean }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS "notNull",
            (${OID_BASED}) AS "oidBased"
       FROM pg_attribute a
       WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [qualified(schema, table)],
  );
  const hashable = new Map<string, boolean>();
  for (const { name, type, oidBased } of rows) {
    if (oidBased) hashable.set(type, false);
    if (hashable.has(type)) continue;
    try {
      hashable.set(type, await hasExtendedHash(client, type));
    } catch (error) {
      throw new Error(`column ${name} (${type}): ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return rows.map((c) => (hashable.get(c.type) ? c : { ...c, hash: 'text' as const }));
}

/** Whether the type of `a.atttypid`, or a type inside it, hashes by OID (see `describeColumns`). */
const OID_BASED = `WITH RECURSIVE inside(oid) AS (
    SELECT a.atttypid
    UNION
    SELECT part.oid FROM inside JOIN LATERAL (
      SELECT t.typelem AS oid FROM pg_type t WHERE t.oid = inside.oid AND t.typelem <> 0
      UNION ALL SELECT t.typbasetype FROM pg_type t WHERE t.oid = inside.oid AND t.typbasetype <> 0
      UNION ALL SELECT c.atttypid FROM pg_type t JOIN pg_attribute c ON c.attrelid = t.typrelid
                 WHERE t.oid = inside.oid AND t.typrelid <> 0 AND c.attnum > 0 AND NOT c.attisdropped
      UNION ALL SELECT r.rngsubtype FROM pg_range r WHERE r.rngtypid = inside.oid) part ON true)
  SELECT EXISTS (SELECT 1 FROM inside JOIN pg_type t ON t.oid = inside.oid
                  WHERE t.typtype = 'e' OR (t.typnamespace = 'pg_catalog'::regnamespace
                                            AND (t.typname = 'oid' OR t.typname LIKE 'reg%')))`;

async function hasExtendedHash(client: ClientBase, type: string): Promise<boolean> {
  try {
    await client.query(`SELECT hash_record_extended(ROW(NULL::${type}), 0)`);
    return true;
  } catch (error) {
    if (/could not identify an extended hash function/.test(String((error as Error).message))) return false;
    throw error;
  }
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function qualified(schema: string, table: string): string {
  return `${quote(schema)}.${quote(table)}`;
}
