import type { S3Client } from '@aws-sdk/client-s3';
import type { CheckSettings } from '../../validation/check-settings';
import { manifestVersionBefore } from '../../common/manifest-before';
import { connect } from '../../validation/db';
import { sessionOptions } from '../../validation/manifest';
import { DEFAULT_CHUNK_PARALLELISM } from '../../validation/chunks/plan';
import {
  CHUNK_STATEMENT_TIMEOUT_MS,
  planStoredChunks,
  validateStoredChunk,
} from '../../validation/chunks/stored-chunks';
import { chunkRunPrefix } from '../../common/chunk-key';
import { fail, messageOf } from '../steps';
import { AwsRestoreProvider } from './provider';
import { out, parseItem, runStep, TaskDeps } from './tasks';
import { chunkEventSchema, DrillItemInput, parseEvent } from './types';

export { ChunkFailedError, CHUNK_STATEMENT_TIMEOUT_MS } from '../../validation/chunks/stored-chunks';

/**
 * The drill's validation as chunked work in the state machine: PlanChunks (catalog reads, the plan to S3),
 * the ValidateChunks Map (one invocation per chunk, its verdict to S3) and the Validate task (the
 * whole-table step over the stored verdicts, `chunkedEngineValidator`): the shared stored-chunk steps
 * (`stored-chunks.ts`), connected to the drill's restored copy.
 */

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
  const prefix = chunkRunPrefix('drill', drill.input.environment, run.executionName, database.name);
  let ids: number[] = [];
  const planned = await runStep('PlanChunks', item, deps, async (state, { provider }) => {
    if (state.failure || !state.restore || !state.available || !state.source) return state;
    try {
      const recoveryPointTime = new Date(state.source.recoveryPointTime);
      const version = await manifestVersionBefore(deps.s3, deps.bucket, database.name, recoveryPointTime);
      const connection = await provider.connection(state.restore.handle);
      const client = await connect(connection.url, { options: sessionOptions(CHUNK_STATEMENT_TIMEOUT_MS) });
      try {
        ({ ids } = await planStoredChunks(
          client,
          { s3: deps.s3, bucket: deps.bucket, prefix },
          {
            manifest: version,
            chunkBytes: settings?.chunkBytes,
            maxChunks: settings?.maxChunks,
            parallel: parallelism,
          },
        ));
      } finally {
        await client.end();
      }
      return state;
    } catch (error) {
      return fail(state, 'validate', `validation could not be planned: ${messageOf(error)}`);
    }
  });
  return { ...out(item, planned), chunking: { prefix, ids, parallel: Math.min(parallelism, Math.max(1, ids.length)) } };
}

/** ValidateChunk (one Map iteration): the chunk's share of the key-range passes, its verdict to S3. */
export async function validateChunkTask(
  event: unknown,
  deps: ChunkTaskDeps,
): Promise<{ chunk: number; matches: boolean }> {
  const input = parseEvent(chunkEventSchema, event, 'chunk event');
  const provider = new AwsRestoreProvider(deps.clients, deps.settings, input.database, input.run.executionId);
  return validateStoredChunk(
    { s3: deps.s3, bucket: deps.bucket, prefix: input.prefix },
    {
      chunk: input.chunk,
      recoveryPointTime: new Date(input.recoveryPointTime),
      settings: deps.checkSettings(input.database.name),
      connect: async () => {
        const connection = await provider.connection(input.handle);
        return connect(connection.url, { options: sessionOptions(CHUNK_STATEMENT_TIMEOUT_MS) });
      },
    },
  );
}
