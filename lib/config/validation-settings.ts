import { z } from 'zod';
import { customCheckSchema } from '../../engines/validation/checks/custom';
import { invariantMappingsSchema } from '../../engines/validation/checks/pharmacy/mapping';
import { pharmacyTablesSchema } from '../../engines/validation/checks/pharmacy/table-mapping';
import { resolveChecks } from '../../engines/validation/validator';

/** A PostgreSQL identifier as written in the catalog (any case, quoted names too): not empty, <= 63 bytes. */
const identifier = z.string().refine((v) => v.length > 0 && !v.includes('\0') && Buffer.byteLength(v, 'utf8') <= 63, {
  message: 'must be a PostgreSQL identifier as the catalog spells it (1-63 bytes)',
});
/** `schema.table` with `*` for any run of characters. */
const tablePattern = z.string().regex(/^[^.\s]+\.[^.\s]+$/, 'must be a schema.table pattern (`*` matches any run)');

/**
 * How rxdr validates one database: which tables its manifests describe and which column bounds each
 * table's rows (the manifest job, `rxdr manifest`), and which checks the drills and the failover validation
 * run on a restored copy. Everything is optional: by default every user table is described, cut-off
 * columns are inferred and reported, and every check that applies runs.
 */
export const validationSettingsSchema = z
  .strictObject({
    /** Describe only these schemas. @default - every non-system schema */
    schemas: z.array(identifier).min(1).optional(),
    /** Describe only tables matching one of these `schema.table` patterns. @default - every table */
    include: z.array(tablePattern).min(1).optional(),
    /** Leave out tables matching these `schema.table` patterns. @default - none */
    exclude: z.array(tablePattern).optional(),
    /** `schema.table` -> the timestamp column the manifest cut-off applies to (`""`: none). @default - inferred */
    cutoffColumns: z.record(tablePattern, z.union([identifier, z.literal('')])).optional(),
    /** Checks to run (names or suites), `-name` to skip one. @default - every check that applies */
    checks: z.array(z.string().min(1)).min(1).optional(),
    /** The adopter's own SQL assertions, run by every drill and failover validation of this database. */
    customChecks: z.array(customCheckSchema).optional(),
    /**
     * The pharmacy invariants on this database's own tables and columns. @default - the reference schema's;
     * on another schema an invariant without a mapping is reported "not mapped"
     */
    invariants: invariantMappingsSchema.optional(),
    /**
     * The reference pharmacy tables on this database's own: reference table -> `{ table: 'schema.table',
     * columns?: { referenceColumn: column } }`. The manifest then describes the pharmacy aggregates of those
     * tables and the drills run the built-in invariant checks on them. @default - none (the reference schema's
     * own tables when it is the reference schema)
     */
    pharmacyTables: pharmacyTablesSchema.optional(),
    /** Chunks of this database validated at once by a drill (chunk invocations, 1-40). @default 4 */
    parallelism: z
      .number()
      .int('must be a whole number')
      .min(1, 'at least 1')
      .max(40, 'at most 40 (Step Functions inline Map)')
      .optional(),
    /** Size of one validation chunk in MB (`pg_total_relation_size`); each chunk is one invocation. @default 2048 */
    chunkSizeMb: z.number().int('must be a whole number').min(1, 'at least 1').max(65536, 'at most 65536').optional(),
  })
  .superRefine((settings, ctx) => {
    const names = (settings.customChecks ?? []).map((c) => c.name);
    names.forEach((name, index) => {
      if (names.indexOf(name) !== index)
        ctx.addIssue({ code: 'custom', path: ['customChecks', index, 'name'], message: 'used twice' });
    });
    try {
      resolveChecks(settings.checks, settings.customChecks);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['checks'], message: (error as Error).message });
    }
  });

export type ValidationSettings = z.output<typeof validationSettingsSchema>;
