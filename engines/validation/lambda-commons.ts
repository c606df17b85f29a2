import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { z } from 'zod';
import type { Clock, EngineLogger } from './types';

/** Shared by the validator and manifest Lambda handlers. */

export interface ValidationHandlerDeps {
  readonly s3: S3Client;
  readonly secrets: SecretsManagerClient;
  readonly clock: Clock;
  readonly logger: EngineLogger;
}

/** Invalid input: the message names the fields; nothing was connected to. */
export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

export function parseInput<T>(schema: z.ZodType<T>, event: unknown): T {
  const result = schema.safeParse(event);
  if (!result.success) {
    throw new InvalidInputError(
      `invalid input: ${result.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return result.data;
}
