import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { systemClock } from '../engines/common/clock';
import { powertoolsLogger } from '../engines/common/logger';
import { clients, env, logger as drillLogger, settingsFromEnv } from '../engines/drill/aws/commons';
import { validateTask } from '../engines/drill/aws/tasks';
import { drillValidatorFor } from '../engines/drill/aws/validator';
import { DRILL_ENV } from '../engines/drill/environment';
import { checkSettingsFor } from '../engines/validation/check-settings';
import { createValidatorHandler } from '../engines/validation/handler';

/*
 * The one validator entry file, two functions: `handler` for the failover runbook (recovery database network)
 * and `drill` for the drill state machine's Validate task (drill network). Both verify TLS against
 * `RDS_CA_BUNDLE`, read credentials from Secrets Manager and the manifest from the evidence bucket.
 */

const logger = powertoolsLogger('rxdr-validator');

/** The failover validator: plans a chunked validation, or validates (the whole-table step, or all at once). */
export const handler = createValidatorHandler({
  s3: new S3Client({}),
  secrets: new SecretsManagerClient({}),
  clock: systemClock,
  logger,
  checkSettings: (database) => checkSettingsFor(database),
});

/** The drill's Validate task: a VPC Lambda in the drill network (the restored instance admits only it). */
export const drill = async (event: unknown, context?: Context) => {
  if (context) drillLogger.addContext(context);
  const validator = drillValidatorFor(event, {
    s3: clients.s3,
    bucket: env(DRILL_ENV.evidenceBucket),
    checkSettings: (database) => checkSettingsFor(database),
  });
  return validateTask(event, { clients, settings: settingsFromEnv(), clock: systemClock, validator });
};
