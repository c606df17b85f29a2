/**
 * Where a state machine keeps a chunked validation's plan and chunk verdicts in the evidence bucket: one
 * prefix per environment, run and database. Pure constants and string functions only (imported by the IAM
 * grants in `lib/` and by Lambda bundles).
 */
export const CHUNK_RESULTS_PREFIX = 'validation-chunks/';

/** `validation-chunks/<environment>/<run>/<database>/`: one run's work for one database. */
export function chunkRunPrefix(environment: string, run: string, database: string): string {
  return `${CHUNK_RESULTS_PREFIX}${environment}/${run}/${database}/`;
}

/** Where the scheduled manifest job keeps its chunk plan and chunk results while it runs. */
export const MANIFEST_CHUNKS_PREFIX = 'manifest-chunks/';

/** `manifest-chunks/<database>/<run>/`: one manifest run's work. */
export function manifestRunPrefix(database: string, run: string): string {
  return `${MANIFEST_CHUNKS_PREFIX}${database}/${run}/`;
}
