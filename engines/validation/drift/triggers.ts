import { CatalogKind, catalogCheck } from './catalog-check';

/** User triggers by table and name with their definition and whether they fire (a disabled trigger is drift). */
export const TRIGGERS: CatalogKind = {
  check: 'triggers',
  description: 'triggers equal the manifest (by name, definition and enabled state)',
  field: 'triggers',
  sql: `SELECT format('%s.%s %s', n.nspname, c.relname, t.tgname) AS name,
               pg_get_triggerdef(t.oid)
                 || CASE t.tgenabled WHEN 'D' THEN ' (DISABLED)' WHEN 'R' THEN ' (REPLICA)'
                                     WHEN 'A' THEN ' (ALWAYS)' ELSE '' END AS definition
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY($1::text[]) AND NOT t.tgisinternal AND NOT c.relispartition
         ORDER BY 1`,
};

export const triggersCheck = catalogCheck(TRIGGERS);
