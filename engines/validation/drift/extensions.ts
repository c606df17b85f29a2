import { CatalogKind, catalogCheck } from './catalog-check';

/**
 * Extensions of the database (not of a schema) with their versions: a copy without pgaudit, or with another
 * version of an extension its tables depend on, is not the database that was backed up.
 */
export const EXTENSIONS: CatalogKind = {
  check: 'extensions',
  description: 'installed extensions and their versions equal the manifest',
  field: 'extensions',
  // $1 (the schemas) does not narrow extensions; it is read so the statement has one parameter like its peers.
  sql: `SELECT e.extname AS name, 'version ' || e.extversion AS definition
          FROM pg_extension e WHERE $1::text[] IS NOT NULL ORDER BY 1`,
};

export const extensionsCheck = catalogCheck(EXTENSIONS);
