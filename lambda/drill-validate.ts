import type { Context } from 'aws-lambda';
import { systemClock } from '../engines/common/clock';
import { clients, env, logger, settingsFromEnv } from '../engines/drill/aws/commons';
import { DRILL_ENV } from '../engines/drill/environment';
import { validateTask } from '../engines/drill/aws/tasks';
import { engineValidator } from '../engines/drill/aws/validator';

/**
 * Validate: a VPC Lambda in the drill network (the restored instance admits only this function's security
 * group), credentials from the replicated secret, manifest from the evidence bucket.
 */
export const handler = async (event: unknown, context?: Context) => {
  if (context) logger.addContext(context);
  const validator = engineValidator({ s3: clients.s3, bucket: env(DRILL_ENV.evidenceBucket) });
  return validateTask(event, { clients, settings: settingsFromEnv(), clock: systemClock, validator });
};
