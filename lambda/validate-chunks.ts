import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { systemClock } from '../engines/common/clock';
import { powertoolsLogger } from '../engines/common/logger';
import { clients, env, logger, settingsFromEnv } from '../engines/drill/aws/commons';
import { planChunksTask, validateChunkTask, type ChunkTaskDeps } from '../engines/drill/aws/chunk-tasks';
import { DRILL_ENV } from '../engines/drill/environment';
import { checkSettingsFor } from '../engines/validation/check-settings';
import { createChunkHandler } from '../engines/validation/chunk-handler';

/*
 * The chunked validation's functions: the drill's `plan` (PlanChunks) and `chunk` (one iteration of the
 * ValidateChunks Map) in the drill network, and the failover's `failover` (its ValidateChunk) in the recovery
 * database network. The whole-table step (and the failover's planning) is the validator (validate.ts).
 */

const deps = (): ChunkTaskDeps => ({
  clients,
  settings: settingsFromEnv(),
  clock: systemClock,
  s3: clients.s3,
  bucket: env(DRILL_ENV.evidenceBucket),
  checkSettings: (database) => checkSettingsFor(database),
});

export const plan = async (event: unknown, context?: Context) => {
  if (context) logger.addContext(context);
  return planChunksTask(event, deps());
};

export const chunk = async (event: unknown, context?: Context) => {
  if (context) logger.addContext(context);
  return validateChunkTask(event, deps());
};

/** The failover's ValidateChunk: the recovered endpoint and credentials come with each chunk. */
export const failover = createChunkHandler({
  s3: new S3Client({}),
  secrets: new SecretsManagerClient({}),
  clock: systemClock,
  logger: powertoolsLogger('rxdr-validator'),
  checkSettings: (database) => checkSettingsFor(database),
});
