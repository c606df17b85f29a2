import type { S3Client } from '@aws-sdk/client-s3';
import type { CheckSettings } from '../../validation/check-settings';
import { readManifestVersion, manifestVersionBefore } from '../../common/manifest-before';
import { connect } from '../../validation/db';
import { sessionOptions } from '../../validation/manifest';
import { applicableChecks } from '../../validation/validator';
import { DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_PARALLELISM } from '../../validation/chunks/plan';
import { planValidationChunks, validateChunk } from '../../validation/chunks/validate';
import { S3ChunkStore } from '../../validation/chunks/chunk-store';
import { chunkRunPrefix } from '../../common/chunk-key';
import { fail, messageOf } from '../steps';
import { AwsRestoreProvider } from './provider';
import { out, parseItem, runStep, TaskDeps } from './tasks';
import { chunkEventSchema, DrillItemInput, parseEvent } from './types';

/**
 * The drill's validation as chunked work in the state machine: PlanChunks (catalog reads, the plan to S3),
 * the ValidateChunks Map (one invocation per chunk, its verdict to S3) and the Validate task (the
 * whole-table step over the stored verdicts, `chunkedEngineValidator`). The steps of `validateChunked`,
 * spread over invocations: the same planner, chunk step and finish.
 */

/** Statement budget of one chunk: well inside the chunk function's timeout (300 s), so a slow chunk fails cleanly. */
export const CHUNK_STATEMENT_TIMEOUT_MS = 240_000;

export interface ChunkTaskDeps extends TaskDeps {
  readonly s3: S3Client;
  /** The evidence bucket: manifests and the chunk results. */
  readonly bucket: string;
  readonly checkSettings: (database: string) => CheckSettings;
}

/** PlanChunks: choose the manifest version, plan chunks by the restored copy's table sizes, store the plan. */
export async function planChunksTask(event: unknown, deps: ChunkTaskDeps): Promise<DrillItemInput> {
  const item = parseItem(event);
  const { drill, database, run } = item;
  const settings = database.chunking;
  // The Plan task's prediction may have raised it (up to the configured parallelism) to fit the window.
  const parallelism = item.expect.fit?.parallel ?? settings?.parallelism ?? DEFAULT_CHUNK_PARALLELISM;
  const prefix = chunkRunPrefix(drill.input.environment, run.executionName, database.name);
  let ids: number[] = [];
  const planned = await runStep('PlanChunks', item, deps, async (state, { provider }) => {
    if (state.failure || !state.restore || !state.available || !state.source) return state;
    try {
      const recoveryPointTime = new Date(state.source.recoveryPointTime);
      const version = await manifestVersionBefore(deps.s3, deps.bucket, database.name, recoveryPointTime);
      const connection = await provider.connection(state.restore.handle);
      const client = await connect(connection.url, { options: sessionOptions(CHUNK_STATEMENT_TIMEOUT_MS) });
      let chunks;
      try {
        chunks = await planValidationChunks(
          client,
          version.manifest,
          settings?.chunkBytes ?? DEFAULT_CHUNK_BYTES,
          settings?.maxChunks,
        );
      } finally {
        await client.end();
      }
      const { bucket, key, versionId } = version;
      await new S3ChunkStore(deps.s3, deps.bucket, prefix).putPlan({
        manifest: { bucket, key, versionId },
        chunks,
        parallel: parallelism,
      });
      ids = chunks.map((c) => c.id);
      return state;
    } catch (error) {
      return fail(state, 'validate', `validation could not be planned: ${messageOf(error)}`);
    }
  });
  return { ...out(item, planned), chunking: { prefix, ids, parallel: Math.min(parallelism, Math.max(1, ids.length)) } };
}

/** A chunk that could not be validated (connection, S3, time budget): the Map retries this chunk alone. */
export class ChunkFailedError extends Error {
  constructor(chunk: number, cause: unknown) {
    super(`chunk ${chunk} could not be validated: ${messageOf(cause)}`);
    this.name = 'Rxdr.ChunkFailed';
  }
}

/** ValidateChunk (one Map iteration): the chunk's share of the key-range passes, its verdict to S3. */
export async function validateChunkTask(
  event: unknown,
  deps: ChunkTaskDeps,
): Promise<{ chunk: number; matches: boolean }> {
  const input = parseEvent(chunkEventSchema, event, 'chunk event');
  try {
    const store = new S3ChunkStore(deps.s3, deps.bucket, input.prefix);
    const plan = await store.getPlan();
    const chunk = plan.chunks.find((c) => c.id === input.chunk);
    if (!chunk) throw new Error(`no chunk ${input.chunk} in the plan at ${input.prefix}`);
    const { manifest } = await readManifestVersion(deps.s3, plan.manifest);
    const settings = deps.checkSettings(input.database.name);
    const checks = applicableChecks(settings.checks, settings.customChecks, manifest);
    const provider = new AwsRestoreProvider(deps.clients, deps.settings, input.database, input.run.executionId);
    const connection = await provider.connection(input.handle);
    const client = await connect(connection.url, { options: sessionOptions(CHUNK_STATEMENT_TIMEOUT_MS) });
    try {
      const recoveryPointTime = new Date(input.recoveryPointTime);
      const verdict = await validateChunk(client, { manifest, chunk, checks, recoveryPointTime });
      await store.putVerdict(verdict);
      return { chunk: verdict.chunk, matches: verdict.matches };
    } finally {
      await client.end();
    }
  } catch (error) {
    throw new ChunkFailedError(input.chunk, error);
  }
}
