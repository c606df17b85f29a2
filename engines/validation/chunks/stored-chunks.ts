import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from 'pg';
import { readManifestVersion, type ManifestVersion } from '../../common/manifest-before';
import type { CheckSettings } from '../check-settings';
import type { ValidationReport } from '../types';
import { applicableChecks, type ValidateOptions } from '../validator';
import { S3ChunkStore } from './chunk-store';
import { DEFAULT_CHUNK_BYTES } from './plan';
import { planValidationChunks, validateChunk } from './validate';
import { finishChunkedValidation } from './validate-chunked';

/**
 * A chunked validation spread over a state machine's invocations, whichever workflow runs it (the drill, the
 * failover): plan → one invocation per chunk → the whole-table step, with the plan and the verdicts in the
 * evidence bucket under one prefix (`S3ChunkStore`). The steps of `validateChunked`, the same planner, chunk
 * step and finish; only how a step connects to the database differs per workflow.
 */

/** Statement budget of one chunk: well inside the chunk function's timeout (300 s), so a slow chunk fails cleanly. */
export const CHUNK_STATEMENT_TIMEOUT_MS = 240_000;

/** Where a chunked validation keeps its work: the evidence bucket and the run's prefix. */
export interface ChunkWorkspace {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly prefix: string;
}

/**
 * Plan chunks by the copy's table sizes and store the plan; the chunk ids go into the state machine's state,
 * `bytes` (the planned size) into the evidence.
 */
export async function planStoredChunks(
  client: Client,
  workspace: ChunkWorkspace,
  input: {
    readonly manifest: ManifestVersion;
    readonly chunkBytes?: number;
    readonly maxChunks?: number;
    readonly parallel: number;
  },
): Promise<{ ids: number[]; bytes: number }> {
  const { bucket, key, versionId, manifest } = input.manifest;
  const chunks = await planValidationChunks(client, manifest, input.chunkBytes ?? DEFAULT_CHUNK_BYTES, input.maxChunks);
  await new S3ChunkStore(workspace.s3, workspace.bucket, workspace.prefix).putPlan({
    manifest: { bucket, key, versionId },
    chunks,
    parallel: input.parallel,
  });
  return { ids: chunks.map((c) => c.id), bytes: chunks.reduce((sum, chunk) => sum + chunk.bytes, 0) };
}

/** A chunk that could not be validated (connection, S3, time budget): the Map retries this chunk alone. */
export class ChunkFailedError extends Error {
  constructor(chunk: number, cause: unknown) {
    super(`chunk ${chunk} could not be validated: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'Rxdr.ChunkFailed';
  }
}

/**
 * One Map iteration: the chunk's share of the key-range passes, its verdict to the chunk's own key (a redone
 * chunk overwrites it with the same verdict, so nothing is counted twice). Any failure is `ChunkFailedError`.
 */
export async function validateStoredChunk(
  workspace: ChunkWorkspace,
  input: {
    readonly chunk: number;
    readonly recoveryPointTime: Date;
    readonly settings: CheckSettings;
    /** Opens a connection to the database validated (closed here). */
    readonly connect: () => Promise<Client>;
  },
): Promise<{ chunk: number; matches: boolean }> {
  try {
    const store = new S3ChunkStore(workspace.s3, workspace.bucket, workspace.prefix);
    const plan = await store.getPlan();
    const chunk = plan.chunks.find((c) => c.id === input.chunk);
    if (!chunk) throw new Error(`no chunk ${input.chunk} in the plan at ${workspace.prefix}`);
    const { manifest } = await readManifestVersion(workspace.s3, plan.manifest);
    const checks = applicableChecks(input.settings.checks, input.settings.customChecks, manifest);
    const client = await input.connect();
    try {
      const verdict = await validateChunk(client, {
        manifest,
        chunk,
        checks,
        recoveryPointTime: input.recoveryPointTime,
      });
      await store.putVerdict(verdict);
      return { chunk: verdict.chunk, matches: verdict.matches };
    } finally {
      await client.end();
    }
  } catch (error) {
    throw new ChunkFailedError(input.chunk, error);
  }
}

/**
 * The whole-table step: the stored plan and every chunk's verdict, combined, then every check with the
 * combined passes (`finishChunkedValidation`, as `rxdr validate --parallel` does).
 */
export async function finishStoredChunks(
  workspace: ChunkWorkspace,
  options: Omit<ValidateOptions, 'manifest'>,
): Promise<{ version: ManifestVersion; report: ValidationReport; bytes: number }> {
  const started = new Date();
  const store = new S3ChunkStore(workspace.s3, workspace.bucket, workspace.prefix);
  const plan = await store.getPlan();
  const version = await readManifestVersion(workspace.s3, plan.manifest);
  const verdicts = await store.getVerdicts(plan.chunks);
  const report = await finishChunkedValidation({ ...options, manifest: version.manifest }, plan.chunks, verdicts, {
    started,
    parallel: plan.parallel,
  });
  return { version, report, bytes: plan.chunks.reduce((sum, chunk) => sum + chunk.bytes, 0) };
}
