import { CatalogKind, catalogCheck } from './catalog-check';

/** Primary, foreign, unique, check and exclusion constraints (not-null is part of the column list). */
export const CONSTRAINTS: CatalogKind = {
  check: 'constraints',
  description: 'primary, foreign, unique, check and exclusion constraints equal the manifest (by name and definition)',
  field: 'constraints',
  sql: `SELECT format('%s.%s %s', n.nspname, c.relname, k.conname) AS name, pg_get_constraintdef(k.oid) AS definition
          FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY($1::text[]) AND k.contype IN ('p', 'f', 'u', 'c', 'x') AND k.conislocal
           AND NOT c.relispartition
         ORDER BY 1`,
};

export const constraintsCheck = catalogCheck(CONSTRAINTS);
