import { z } from 'zod';
import type { CustomCheck } from '../types';
import { CheckDefinition, MAX_KEYS } from './check';

const ROW_LIMIT = 100;

export const customCheckSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, "-", "_" or "."'),
  description: z.string().optional(),
  sql: z.string().trim().min(1),
  expect: z.enum(['no-rows', 'true']),
});

const listSchema = z.array(customCheckSchema);

/**
 * Parse custom checks from config (an array, or `{ "checks": [...] }`, as JSON text or a value).
 * Throws with the offending fields named; names must be unique.
 */
export function loadCustomChecks(input: unknown): CustomCheck[] {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input) as unknown;
    } catch (error) {
      throw new Error(`custom checks are not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const list =
    value !== null && typeof value === 'object' && !Array.isArray(value) && 'checks' in value
      ? (value as { checks: unknown }).checks
      : value;
  const result = listSchema.safeParse(list);
  if (!result.success) {
    const problems = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid custom checks: ${problems.join('; ')}`);
  }
  const checks = result.data;
  const seen = new Set<string>();
  for (const c of checks) {
    if (seen.has(c.name)) throw new Error(`invalid custom checks: the name "${c.name}" is used twice`);
    seen.add(c.name);
  }
  return checks;
}

/**
 * A custom check runs in its own READ ONLY transaction with the extended query protocol (one statement
 * only), wrapped as a subquery (only a query fits there), so an assertion cannot write or change the
 * session. At most ROW_LIMIT rows come back.
 */
export function customCheckDefinition(check: CustomCheck): CheckDefinition {
  return {
    name: `custom:${check.name}`,
    suite: 'custom',
    description: check.description ?? check.sql,
    async run(context) {
      const sql = check.sql.trim().replace(/;+\s*$/, '');
      const rows = await context.query<Record<string, unknown>>(
        `SELECT * FROM (\n${sql}\n) AS custom_check LIMIT ${ROW_LIMIT + 1}`,
        [],
        'isolated',
      );
      if (check.expect === 'true') {
        const first = rows[0] ? Object.values(rows[0])[0] : undefined;
        return {
          passed: rows.length === 1 && first === true,
          measured: { expect: 'true', rows: rows.length, value: typeof first === 'boolean' ? first : null },
          offendingKeys: [],
        };
      }
      const keys = rows.slice(0, MAX_KEYS).map((r) => String(Object.values(r)[0]));
      return {
        passed: rows.length === 0,
        measured: { expect: 'no-rows', rows: Math.min(rows.length, ROW_LIMIT), moreRows: rows.length > ROW_LIMIT },
        offendingKeys: keys,
      };
    },
  };
}
