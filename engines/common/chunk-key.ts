/**
 * Where a state machine keeps a chunked validation's plan and chunk verdicts in the evidence bucket: one
 * prefix per environment, workflow, run and database. Pure constants and string functions only (imported by
 * the IAM grants in `lib/` and by Lambda bundles).
 */
export const CHUNK_RESULTS_PREFIX = 'validation-chunks/';

/** The workflows that validate in chunks; each may touch only its own subtree (IAM). */
export type ChunkWorkflow = 'drill' | 'failover';

/** `validation-chunks/<environment>/<workflow>/`: everything one workflow of an environment keeps there. */
export function chunkResultsPrefix(workflow: ChunkWorkflow, environment: string): string {
  return `${CHUNK_RESULTS_PREFIX}${environment}/${workflow}/`;
}

/** `validation-chunks/<environment>/<workflow>/<run>/<database>/`: one run's work for one database. */
export function chunkRunPrefix(workflow: ChunkWorkflow, environment: string, run: string, database: string): string {
  return `${chunkResultsPrefix(workflow, environment)}${run}/${database}/`;
}

/** Where the scheduled manifest job keeps its chunk plan and chunk results while it runs. */
export const MANIFEST_CHUNKS_PREFIX = 'manifest-chunks/';

/** `manifest-chunks/<database>/<run>/`: one manifest run's work. */
export function manifestRunPrefix(database: string, run: string): string {
  return `${MANIFEST_CHUNKS_PREFIX}${database}/${run}/`;
}
