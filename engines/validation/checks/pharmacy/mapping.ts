import { z } from 'zod';
import type { CheckResult, CustomCheck } from '../../types';
import type { CheckDefinition } from '../check';
import { customCheckDefinition } from '../custom';

/** The pharmacy invariants by the name their check reports. */
export const PHARMACY_INVARIANTS = [
  'foreign-keys',
  'fill-numbering',
  'rx-uniqueness',
  'cs-ledger',
  'audit-chain',
  'claim-reversals',
  'epcs-signatures',
] as const;
export type PharmacyInvariant = (typeof PHARMACY_INVARIANTS)[number];

/**
 * One invariant on an adopter's schema: the query that finds its violations in their tables and columns
 * (`no-rows`: every row returned is a violation, its first column reported as the key; `true`: one row whose
 * first column says the invariant holds). It runs read-only like a custom check, reported under the
 * invariant's own name in the pharmacy suite.
 */
export const invariantMappingSchema = z.strictObject({
  description: z.string().optional(),
  sql: z.string().trim().min(1, 'the query that finds violations of the invariant (not empty)'),
  expect: z.enum(['no-rows', 'true']),
});
export type InvariantMapping = z.infer<typeof invariantMappingSchema>;

/** Invariant name -> its mapping. A name that is not a pharmacy invariant is an error naming the known ones. */
export const invariantMappingsSchema = z
  .record(z.string(), invariantMappingSchema)
  .superRefine((mappings, ctx) => {
    for (const name of Object.keys(mappings))
      if (!(PHARMACY_INVARIANTS as readonly string[]).includes(name))
        ctx.addIssue({
          code: 'custom',
          path: [name],
          message: `"${name}" is not a pharmacy invariant; known: ${PHARMACY_INVARIANTS.join(', ')}`,
        });
  })
  .transform((mappings) => mappings as InvariantMappings);
export type InvariantMappings = Partial<Record<PharmacyInvariant, InvariantMapping>>;

/** The check of a mapped invariant: the adopter's query, under the invariant's name. */
export function mappedInvariantCheck(name: PharmacyInvariant, mapping: InvariantMapping): CheckDefinition {
  const asCustom: CustomCheck = { name, sql: mapping.sql, expect: mapping.expect };
  const definition = customCheckDefinition({
    ...asCustom,
    description: mapping.description ?? `${name}, mapped to this database's tables`,
  });
  return {
    ...definition,
    name,
    suite: 'pharmacy',
    async run(context) {
      const outcome = await definition.run(context);
      return { ...outcome, measured: { mapping: 'configured', ...outcome.measured } };
    },
  };
}

/** What the report says of an invariant that has no mapping on a database that is not the reference schema. */
export function notMappedResult(name: string): CheckResult {
  return {
    name,
    suite: 'pharmacy',
    passed: false,
    skipped:
      'not mapped: this database has no mapping of the invariant to its tables (configure validation.invariants)',
    measured: { mapping: 'none' },
    offendingKeys: [],
    durationMs: 0,
  };
}
