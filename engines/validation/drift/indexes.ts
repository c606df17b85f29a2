import { CatalogKind, catalogCheck } from './catalog-check';

/** Indexes by name with their definition and whether they are valid (a failed concurrent build is not). */
export const INDEXES: CatalogKind = {
  check: 'indexes',
  description: 'indexes equal the manifest (by name, definition and validity)',
  field: 'indexes',
  sql: `SELECT format('%s.%s', n.nspname, ic.relname) AS name,
               pg_get_indexdef(i.indexrelid) || CASE WHEN i.indisvalid THEN '' ELSE ' (INVALID)' END AS definition
          FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
          JOIN pg_namespace n ON n.oid = ic.relnamespace
         WHERE n.nspname = ANY($1::text[]) AND NOT c.relispartition
         ORDER BY 1`,
};

export const indexesCheck = catalogCheck(INDEXES);
