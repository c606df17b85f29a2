import { z } from 'zod';
import { databaseConfig, databaseInputSchema } from './aws';
import { connect } from './db';
import { sessionOptions } from './manifest';
import { parseInput, ValidationHandlerDeps } from './lambda-commons';
import type { CheckSettings } from './check-settings';
import { chunkPrefixSchema } from './handler';
import { CHUNK_STATEMENT_TIMEOUT_MS, validateStoredChunk } from './chunks/stored-chunks';

/** One ValidateChunk invocation of the failover state machine's Map. */
export const chunkInputSchema = z.strictObject({
  chunk: z.number().int().nonnegative(),
  prefix: chunkPrefixSchema,
  /** The evidence bucket holding the plan (and the manifest version it names). */
  bucket: z.string().min(1),
  database: databaseInputSchema,
  databaseName: z.string().min(1).optional(),
  recoveryPointTime: z.iso.datetime({ offset: true }),
});

/**
 * The validator's chunk function (`lambda/validate-chunks.ts`, `failover`): the credentials from Secrets
 * Manager with the recovered endpoint, then the shared chunk step (`validateStoredChunk`). A failure is
 * `Rxdr.ChunkFailed`, which the Map retries for this chunk alone.
 */
export function createChunkHandler(
  deps: ValidationHandlerDeps & { checkSettings?: (database: string) => CheckSettings },
) {
  return async (event: unknown): Promise<{ chunk: number; matches: boolean }> => {
    const input = parseInput(chunkInputSchema, event);
    return validateStoredChunk(
      { s3: deps.s3, bucket: input.bucket, prefix: input.prefix },
      {
        chunk: input.chunk,
        recoveryPointTime: new Date(input.recoveryPointTime),
        settings: input.databaseName ? (deps.checkSettings?.(input.databaseName) ?? {}) : {},
        connect: async () =>
          connect(await databaseConfig(deps.secrets, input.database), {
            options: sessionOptions(CHUNK_STATEMENT_TIMEOUT_MS),
          }),
      },
    );
  };
}
