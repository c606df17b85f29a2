import { z } from 'zod';
import { REFERENCE_PHI_TABLES } from '../../engines/database/audit-setup';

/** pgaudit object audit of a database rxdr creates (instance or cluster). */
export const auditSchema = z.strictObject({
  database: z
    .string()
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,62}$/, 'must be a PostgreSQL database name')
    .default('postgres'),
  tables: z
    .array(
      z
        .string()
        .regex(/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/, 'must be schema.table in lowercase, e.g. "pharmacy.patient"'),
    )
    .default([...REFERENCE_PHI_TABLES]),
});
