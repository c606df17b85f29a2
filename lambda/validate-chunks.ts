import type { Context } from 'aws-lambda';
import { systemClock } from '../engines/common/clock';
import { clients, env, logger, settingsFromEnv } from '../engines/drill/aws/commons';
import { planChunksTask, validateChunkTask, type ChunkTaskDeps } from '../engines/drill/aws/chunk-tasks';
import { DRILL_ENV } from '../engines/drill/environment';
import { checkSettingsFor } from '../engines/validation/check-settings';

/*
 * The drill's chunked validation, two functions in the drill network: `plan` (PlanChunks) and `chunk`
 * (one iteration of the ValidateChunks Map). The whole-table step is the Validate function (validate.ts).
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
