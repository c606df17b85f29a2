import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import { systemClock } from '../engines/common/clock';
import { EVENT_WAITS_ENV } from '../engines/event-waits/environment';
import { parkToken } from '../engines/event-waits/park';
import { resumeWaiters } from '../engines/event-waits/resume';

/** Waits resumed by events: `park` (a state machine's `.waitForTaskToken` task) and `resume` (EventBridge rule). */
const logger = new Logger({ serviceName: 'rxdr-event-waits' });
const dynamodb = new DynamoDBClient({});
const sfn = new SFNClient({});

function table() {
  const tableName = process.env[EVENT_WAITS_ENV.tableName];
  if (!tableName)
    throw new Error(`environment variable ${EVENT_WAITS_ENV.tableName} is not set (the construct sets it)`);
  return { dynamodb, tableName };
}

export const park = async (event: unknown) => parkToken(event, { table: table(), clock: systemClock });

export const resume = async (event: unknown) => {
  const results = await resumeWaiters(event, { table: table(), sfn, clock: systemClock });
  logger.info('event handled', { results });
  return results;
};
