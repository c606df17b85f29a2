import type { Client } from 'pg';
import { connect } from '../db';
import { parallelWorkersPerQuery, sessionOptions } from '../manifest';
import { runPool } from '../pool';
import { systemClock, ValidationReport } from '../types';
import { applicableChecks, validateDatabase, ValidateOptions } from '../validator';
import { DEFAULT_CHUNK_BYTES } from './plan';
import type { Chunk } from './chunk';
import { ChunkVerdict, combineRules, combineVerdicts, planValidationChunks, validateChunk } from './validate';

export type ChunkedValidateOptions = ValidateOptions & {
  /** Bytes per chunk (from `pg_total_relation_size` on the database validated). @default 2 GiB */
  readonly chunkBytes?: number;
};

/**
 * Validate in chunks over `concurrency` connections: plan, validate every chunk, then the whole-table step
 * with the combined passes. Where the plan leaves every table whole, this is `validateDatabase` itself.
 */
export async function validateChunked(options: ChunkedValidateOptions): Promise<ValidationReport> {
  const checks = applicableChecks(options.checks, options.customChecks, options.manifest);
  const started = (options.clock ?? systemClock).now();
  const parallel = Math.max(1, options.concurrency ?? 2);
  const extra = {
    options: sessionOptions(
      options.statementTimeoutMs ?? 300_000,
      options.workMem,
      parallelWorkersPerQuery(options.serverCores, parallel),
    ),
  };
  const planner = await connect(options.url, extra);
  let chunks;
  try {
    chunks = await planValidationChunks(planner, options.manifest, options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  } finally {
    await planner.end();
  }
  if (chunks.length === options.manifest.tables.length) return validateDatabase(options);
  const recoveryPointTime = options.recoveryPointTime ?? started;
  const verdicts = await runPool(
    chunks.map(
      (chunk) => (client: Client) =>
        validateChunk(client, { manifest: options.manifest, chunk, checks, recoveryPointTime }),
    ),
    { target: options.url, concurrency: parallel, extra },
  );
  return finishChunkedValidation({ ...options, recoveryPointTime }, chunks, verdicts, { started, parallel });
}

/**
 * The whole-table step of a chunked validation: combine every chunk's verdict (each exactly once) and run
 * every check with the combined passes. The one finish of the local pool and of the state machine's Map.
 */
export async function finishChunkedValidation(
  options: ValidateOptions,
  chunks: readonly Chunk[],
  verdicts: readonly ChunkVerdict[],
  run: { started: Date; parallel: number },
): Promise<ValidationReport> {
  const checks = applicableChecks(options.checks, options.customChecks, options.manifest);
  const precomputed = combineVerdicts(chunks, verdicts, combineRules(checks, options.manifest));
  const report = await validateDatabase({ ...options, precomputed });
  return {
    ...report,
    startedAt: run.started.toISOString(),
    durationMs: new Date(report.finishedAt).getTime() - run.started.getTime(),
    chunks: {
      planned: chunks.length,
      parallel: run.parallel,
      mismatched: verdicts.filter((v) => !v.matches).map((v) => v.label),
    },
  };
}
