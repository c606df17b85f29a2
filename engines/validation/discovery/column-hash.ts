import type { ClientBase } from 'pg';

export interface DescribedColumn {
  readonly name: string;
  readonly type: string;
  readonly hash?: 'text';
  readonly notNull?: boolean;
}

/**
 * A table's columns in ordinal order, each marked `hash: 'text'` when its type has no extended hash
 * function (PostgreSQL looks the function up even for a NULL value, so a one-row probe per type tells).
 */
export async function describeColumns(client: ClientBase, schema: string, table: string): Promise<DescribedColumn[]> {
  const { rows } = await client.query<{ name: string; type: string; notNull: boolean }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS "notNull"
       FROM pg_attribute a
       WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [qualified(schema, table)],
  );
  const hashable = new Map<string, boolean>();
  for (const { name, type } of rows) {
    if (hashable.has(type)) continue;
    try {
      hashable.set(type, await hasExtendedHash(client, type));
    } catch (error) {
      throw new Error(`column ${name} (${type}): ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return rows.map((c) => (hashable.get(c.type) ? c : { ...c, hash: 'text' as const }));
}

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
