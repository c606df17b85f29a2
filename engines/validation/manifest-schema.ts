import { z } from 'zod';
import { pharmacyTablesSchema } from './checks/pharmacy/table-mapping';

/**
 * The manifest JSON: a description of the source database at a cut-off time. Produced by `buildManifest`
 * (scheduled Lambda in AWS, `rxdr manifest` locally) and compared by `validateDatabase`.
 * Big integers (sums of 64-bit hashes) are decimal strings so JSON keeps them exact.
 */
const decimal = z.string().regex(/^-?\d+$/, 'a decimal integer string');
/** Any PostgreSQL identifier (quoted, mixed case, Unicode): not empty, no NUL, at most 63 bytes. */
const identifier = z
  .string()
  .min(1, 'a SQL identifier (not empty)')
  .refine((name) => !name.includes('\0') && Buffer.byteLength(name, 'utf8') <= 63, 'a SQL identifier (<= 63 bytes)');

const bucketsSchema = z.object({
  start: z.number().int(),
  width: z.number().int().positive(),
  /** `range` of an integer key (default), `hash` of a key of another type, or `whole` (no key). */
  kind: z.enum(['range', 'hash', 'whole']).optional(),
  entries: z.array(
    z.object({ index: z.number().int().nonnegative(), rows: z.number().int().nonnegative(), checksum: decimal }),
  ),
});

export const tableManifestSchema = z.object({
  schema: identifier,
  table: identifier,
  /** The integer column whose ranges are the buckets (absent: buckets by key hash, or the whole table). */
  keyColumn: identifier.optional(),
  /** The columns that identify a row: the primary key, or a unique not-null column set. Absent: no key. */
  keyColumns: z.array(identifier).optional(),
  /** Rows with `cutoffColumn <= cutoff` are described; absent: every row is. */
  cutoffColumn: identifier.optional(),
  /**
   * Column names and types (`format_type`), in ordinal order: the whole-row hash depends on them. `hash:
   * 'text'`: the type has no extended hash function, or hashes by OID (enums, `reg*`, and types holding them,
   * which a dump/restore renumbers): the row hash takes the hash of the column's text form.
   */
  columns: z.array(z.object({ name: z.string(), type: z.string(), hash: z.literal('text').optional() })).min(1),
  /** Why the key and the cut-off column were chosen (configured, primary key, inferred from the name, none). */
  chosen: z.object({ key: z.string(), cutoff: z.string() }).optional(),
  /** A partitioned table is described once, through its parent; these are its partitions' row counts. */
  partitions: z.array(z.object({ name: z.string(), rowCount: z.number().int().nonnegative() })).optional(),
  /** Rows described (at or before the cut-off when there is a cut-off column). */
  rowCount: z.number().int().nonnegative(),
  /** `sum(hash_record_extended(row, 0))` over those rows (exact decimal). */
  checksum: decimal,
  /**
   * The largest `keyColumn` value among those rows (tables bucketed by key range; absent in older manifests): the
   * validator then needs no aggregate of its own for it, as it uses it only for old rows that match the manifest.
   */
  maxKey: decimal.optional(),
  /**
   * The same count and checksum per key range (`floor((key - start) / width)`), so a mismatch can be
   * narrowed to key ranges without sending row data anywhere.
   */
  buckets: bucketsSchema,
});

/** `sum(hash of the listed columns)` over a table's rows at or before the cut-off (see `invariants`). */
export const oldColumnsSchema = z
  .object({
    schema: identifier,
    table: identifier,
    columns: z.array(identifier).min(1),
    rows: z.number().int().nonnegative(),
    checksum: decimal,
  })
  .strict();

export const pharmacyManifestSchema = z.object({
  /** The newest audit event at the cut-off: sequence and hash (hex) of the chain head. */
  auditHead: z.object({ seq: z.number().int().nonnegative(), hash: z.string().regex(/^[0-9a-f]*$/) }),
  /** Claims at the cut-off per transaction code and status: count and total amount (decimal string). */
  claimTotals: z.array(
    z.object({
      code: z.enum(['B1', 'B2', 'B3']),
      status: z.enum(['paid', 'rejected']),
      count: z.number().int(),
      amount: z.string(),
    }),
  ),
  /** EPCS prescriptions at the cut-off: count and `sum(hash(prescription_id, signature hash))`. */
  epcs: z.object({
    count: z.number().int().nonnegative(),
    checksum: decimal,
    buckets: bucketsSchema,
  }),
  /**
   * Per pharmacy check: whether its invariant held on the source over the rows at or before the cut-off
   * (in the form the validator's incremental proof needs, e.g. old children resolve to old parents), with
   * the violation counts. Absent in older manifests: the validator then checks every row on the copy.
   */
  invariants: z
    .record(
      z.string(),
      z.object({
        holds: z.boolean(),
        measured: z.record(z.string(), z.number()),
        /**
         * The count and checksum of one table's rows at or before the cut-off over only the columns the
         * invariant reads (absent in older manifests): when the table's whole-row checksum differs on the copy
         * but this one matches, the damage is in columns the invariant does not read, and its proof over the
         * old rows still holds.
         */
        oldColumns: oldColumnsSchema.optional(),
      }),
    )
    .optional(),
  /**
   * Present when the section describes an adopter's own tables: the reference tables mapped to them (the
   * validator runs the invariant checks through the same mapping).
   */
  tableMapping: pharmacyTablesSchema.optional(),
});

export const manifestSchema = z.object({
  format: z.literal('rxdr.validation-manifest'),
  version: z.literal(1),
  createdAt: z.iso.datetime({ offset: true }),
  cutoff: z.iso.datetime({ offset: true }),
  source: z.object({
    database: z.string(),
    /** `server_version_num`: per-type hash functions are only guaranteed equal within one major version. */
    serverVersionNum: z.number().int(),
  }),
  /** Schemas that must exist in the restored copy. */
  schemas: z.array(identifier).min(1),
  tables: z.array(tableManifestSchema).min(1),
  freshness: z.array(z.object({ schema: identifier, table: identifier, column: identifier })),
  /** Schema objects beyond the columns, `name -> definition`, compared by the drift checks. */
  objects: z
    .object({
      constraints: z.record(z.string(), z.string()).optional(),
      indexes: z.record(z.string(), z.string()).optional(),
      views: z.record(z.string(), z.string()).optional(),
      /** Database-wide: extension name -> version. */
      extensions: z.record(z.string(), z.string()).optional(),
      triggers: z.record(z.string(), z.string()).optional(),
      /** Row-level security per table (enabled, forced) and per policy. */
      rowSecurity: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  /** How the tables were chosen: discovered (with the filters applied and what they left out) or listed. */
  discovery: z
    .object({
      mode: z.enum(['discovered', 'listed']),
      schemas: z.array(z.string()).optional(),
      include: z.array(z.string()).optional(),
      exclude: z.array(z.string()).optional(),
      skipped: z.array(z.object({ table: z.string(), reason: z.string() })).optional(),
    })
    .optional(),
  /** Present when the manifest describes the rxdr reference pharmacy schema. */
  pharmacy: pharmacyManifestSchema.optional(),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type TableManifest = z.infer<typeof tableManifestSchema>;
export type PharmacyManifest = z.infer<typeof pharmacyManifestSchema>;
export type BucketManifest = TableManifest['buckets'];
export type OldColumns = z.infer<typeof oldColumnsSchema>;

/** Parse manifest JSON (text or object); throws a readable error naming the first bad fields. */
export function parseManifest(input: unknown): Manifest {
  const value = typeof input === 'string' ? (JSON.parse(input) as unknown) : input;
  const result = manifestSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`not a valid rxdr manifest: ${problems.join('; ')}`);
  }
  return result.data;
}
