import { CatalogKind, catalogCheck } from './catalog-check';

/** Views and materialized views by name with their defining query (a restore that lost one breaks its readers). */
export const VIEWS: CatalogKind = {
  check: 'views',
  description: 'views and materialized views equal the manifest (by name and defining query)',
  field: 'views',
  textVariesByMajor: true,
  sql: `SELECT format('%s.%s', n.nspname, c.relname) AS name,
               CASE c.relkind WHEN 'm' THEN 'materialized view: ' ELSE 'view: ' END
                 || regexp_replace(pg_get_viewdef(c.oid, true), '\\s+', ' ', 'g') AS definition
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('v', 'm')
           AND NOT EXISTS (SELECT 1 FROM pg_depend d
                            WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
         ORDER BY 1`,
};

export const viewsCheck = catalogCheck(VIEWS);
