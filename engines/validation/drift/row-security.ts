import { CatalogKind, catalogCheck } from './catalog-check';

/**
 * Row-level security: per table whether it is enabled (and forced), and every policy with its command,
 * roles and expressions. A copy that lost a policy, or RLS itself, shows rows a role must not see.
 */
export const ROW_SECURITY: CatalogKind = {
  check: 'row-level-security',
  description: 'row-level security (enabled, forced, every policy) equals the manifest',
  field: 'rowSecurity',
  sql: `SELECT format('%s.%s', n.nspname, c.relname) AS name,
               'row level security ' || CASE WHEN c.relrowsecurity THEN 'enabled' ELSE 'disabled' END
                 || CASE WHEN c.relforcerowsecurity THEN ', forced' ELSE '' END AS definition
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY($1::text[]) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
           AND (c.relrowsecurity OR c.relforcerowsecurity
                OR EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))
        UNION ALL
        SELECT format('%s.%s policy %s', n.nspname, c.relname, p.polname),
               format('%s FOR %s TO %s USING (%s) WITH CHECK (%s)',
                      CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END,
                      CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                                    WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
                      (SELECT coalesce(string_agg(CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END, ', '
                                                  ORDER BY r::regrole::text), 'public')
                         FROM unnest(p.polroles) AS r),
                      coalesce(pg_get_expr(p.polqual, p.polrelid), ''),
                      coalesce(pg_get_expr(p.polwithcheck, p.polrelid), ''))
          FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = ANY($1::text[]) AND NOT c.relispartition
         ORDER BY 1`,
};

export const rowSecurityCheck = catalogCheck(ROW_SECURITY);
