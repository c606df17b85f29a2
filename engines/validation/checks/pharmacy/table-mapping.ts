import { z } from 'zod';
import { ident } from '../../db';
import { PHARMACY_SCHEMA, TABLES_SQL } from '../../schema';
import type { PharmacyInvariant } from './mapping';

/**
 * The reference pharmacy tables on an adopter's own schema: per reference table, the adopter's table and,
 * for each reference column spelled differently there, the adopter's column. The built-in invariant checks
 * then run their own SQL on the adopter's tables: every `pharmacy.<table>` they read becomes a
 * `NOT MATERIALIZED` common table expression that renames the adopter's columns to the reference names
 * (PostgreSQL inlines it, so the adopter's indexes serve the checks as they serve the reference schema).
 */

/** Reference table -> its column names, in the order of `TABLES_SQL`. */
export const REFERENCE_COLUMNS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  [...TABLES_SQL.matchAll(/CREATE TABLE pharmacy\.(\w+) \(([\s\S]*?)\n\);/g)].map((m) => [
    m[1] ?? '',
    (m[2] ?? '')
      .split('\n')
      .map((line) => /^\s+(\w+)\s/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined),
  ]),
);

/** The reference tables each invariant reads: it runs on an adopter's schema when all of them are mapped. */
export const INVARIANT_TABLES: Readonly<Record<PharmacyInvariant, readonly string[]>> = {
  'foreign-keys': Object.keys(REFERENCE_COLUMNS).filter((t) => t !== 'audit_event'),
  'fill-numbering': ['prescription', 'fill', 'product'],
  'rx-uniqueness': ['prescription'],
  'cs-ledger': ['cs_ledger', 'cs_opening_inventory', 'inventory_transaction'],
  'audit-chain': ['audit_event'],
  'claim-reversals': ['claim'],
  'epcs-signatures': ['prescription'],
};

const adopterTable = z
  .string()
  .regex(/^[^.\s]+\.[^.\s]+$/, 'must be the adopter table as schema.table (as the catalog spells them)');

const tableMappingSchema = z.strictObject({
  /** The adopter's table, `schema.table`. */
  table: adopterTable,
  /** Reference column -> the adopter's column. @default - the reference name */
  columns: z.record(z.string(), z.string().min(1)).optional(),
});

/** Reference table -> where it is in this database. Unknown tables or columns are errors naming the known ones. */
export const pharmacyTablesSchema = z.record(z.string(), tableMappingSchema).superRefine((mapping, ctx) => {
  for (const [table, entry] of Object.entries(mapping)) {
    const known = REFERENCE_COLUMNS[table];
    if (!known) {
      ctx.addIssue({
        code: 'custom',
        path: [table],
        message: `"${table}" is not a reference pharmacy table; known: ${Object.keys(REFERENCE_COLUMNS).join(', ')}`,
      });
      continue;
    }
    for (const column of Object.keys(entry.columns ?? {}))
      if (!known.includes(column))
        ctx.addIssue({
          code: 'custom',
          path: [table, 'columns', column],
          message: `"${column}" is not a column of the reference table ${table}; known: ${known.join(', ')}`,
        });
  }
});
export type PharmacyTables = z.infer<typeof pharmacyTablesSchema>;

/** The invariants whose tables are all mapped. */
export function mappedInvariants(mapping: PharmacyTables): PharmacyInvariant[] {
  return (Object.keys(INVARIANT_TABLES) as PharmacyInvariant[]).filter((name) =>
    INVARIANT_TABLES[name].every((t) => mapping[t] !== undefined),
  );
}

const split = (qualified: string): [string, string] => {
  const dot = qualified.indexOf('.');
  return [qualified.slice(0, dot), qualified.slice(dot + 1)];
};

/** The adopter's name of a reference column. */
const columnOf = (mapping: PharmacyTables, table: string, column: string): string =>
  mapping[table]?.columns?.[column] ?? column;

/** The alias of the adopter's table inside the expression, so an error names the reference table. */
const aliasOf = (table: string): string => `rxdr_map_${table}`;

/**
 * The adopter's table as the reference table `table`, with the reference columns `sql` names (a column the
 * query does not name need not exist in the adopter's table).
 */
export function mappedRelation(mapping: PharmacyTables, table: string, sql: string): string {
  const entry = mapping[table];
  if (!entry) throw new Error(`the reference table ${table} is not mapped to a table of this database`);
  const [schema, name] = split(entry.table);
  const used = (REFERENCE_COLUMNS[table] ?? []).filter((c) => new RegExp(`\\b${c}\\b`).test(sql));
  const alias = ident(aliasOf(table));
  const columns = used.map((c) => `${alias}.${ident(columnOf(mapping, table, c))} AS ${c}`);
  return `(SELECT ${columns.join(', ') || 'NULL AS none'} FROM ${ident(schema)}.${ident(name)} ${alias})`;
}

/** `pharmacy.<table>` or `"pharmacy"."<table>"`. */
const REFERENCE_TABLE = new RegExp(
  `(?:"${PHARMACY_SCHEMA}"|\\b${PHARMACY_SCHEMA})\\s*\\.\\s*(?:"(\\w+)"|(\\w+)\\b)`,
  'g',
);

/**
 * `sql` with every reference table it reads replaced by the adopter's (a `NOT MATERIALIZED` common table
 * expression each, before the query's own `WITH` list if it has one).
 */
export function mapReferenceSql(sql: string, mapping: PharmacyTables): string {
  const read = new Set<string>();
  const body = sql.replace(REFERENCE_TABLE, (whole, quoted?: string, bare?: string) => {
    const table = quoted ?? bare ?? '';
    if (!REFERENCE_COLUMNS[table]) return whole;
    read.add(table);
    return `rxdr_${table}`;
  });
  if (read.size === 0) return sql;
  const ctes = [...read].map((t) => `rxdr_${t} AS NOT MATERIALIZED ${mappedRelation(mapping, t, body)}`).join(',\n');
  const own = /^\s*WITH\s+(RECURSIVE\s+)?/i.exec(body);
  return own ? `WITH ${own[1] ?? ''}${ctes},\n${body.slice(own[0].length)}` : `WITH ${ctes}\n${body}`;
}

/**
 * An error of a mapped query that comes from the mapping (a table or column the adopter's database does not
 * have), as a message that names the reference column, the adopter's table and the setting to change.
 */
export function explainMappingError(error: unknown, mapping: PharmacyTables): Error | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const column = /column rxdr_map_(\w+)\.(.+) does not exist/.exec(message);
  if (column) {
    const [, table = '', missing = ''] = column;
    const adopter = mapping[table]?.table ?? '';
    const reference =
      Object.entries(mapping[table]?.columns ?? {}).find(([, c]) => c === missing)?.[0] ?? missing.replace(/"/g, '');
    const configured = mapping[table]?.columns?.[reference] !== undefined;
    return new Error(
      `pharmacy table mapping: ${adopter} has no column ${missing} for the reference column ${table}.${reference} ` +
        `(${configured ? 'mapped' : 'not mapped, so looked up by its reference name'}): set ` +
        `validation.pharmacyTables.${table}.columns.${reference} to the column that holds it`,
    );
  }
  const relation = /relation "(.+)" does not exist/.exec(message);
  const table = Object.entries(mapping).find(([, m]) => relation && m.table === relation[1]);
  if (relation && table)
    return new Error(
      `pharmacy table mapping: the table ${table[1].table} (mapped from the reference table ${table[0]}) does not ` +
        `exist: set validation.pharmacyTables.${table[0]}.table to schema.table of a table of this database`,
    );
  return undefined;
}

/**
 * Every problem of a mapping against the database's catalog at once: mapped tables that do not exist and
 * explicitly mapped columns they do not have (empty when the mapping fits).
 */
export async function mappingProblems(
  query: <R extends Record<string, unknown>>(sql: string, params: unknown[]) => Promise<R[]>,
  mapping: PharmacyTables,
): Promise<string[]> {
  const problems: string[] = [];
  for (const [table, entry] of Object.entries(mapping)) {
    const [schema, name] = split(entry.table);
    const rows = await query<{ name: string }>(
      `SELECT a.attname AS name FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped`,
      [schema, name],
    );
    if (rows.length === 0) {
      problems.push(`${table}: the table ${entry.table} does not exist`);
      continue;
    }
    const present = new Set(rows.map((r) => r.name));
    for (const [reference, column] of Object.entries(entry.columns ?? {}))
      if (!present.has(column))
        problems.push(`${table}.columns.${reference}: ${entry.table} has no column "${column}"`);
  }
  return problems;
}
