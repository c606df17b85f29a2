import type { Context } from 'aws-lambda';
import { logger } from './commons';

/**
 * A drill Task's Lambda handler: logs the step's outcome. Errors keep their `name` (`Rxdr.InvalidEvent`,
 * `Rxdr.AwsTransient`, …): the state machine's Retry/Catch match on it.
 */
export function traced<T>(name: string, body: (event: unknown) => Promise<T>) {
  return async (event: unknown, context?: Context): Promise<T> => {
    if (context) logger.addContext(context);
    try {
      const result = await body(event);
      logger.info(`${name} done`, { step: name });
      return result;
    } catch (error) {
      logger.error(`${name} failed`, {
        step: name,
        errorName: (error as Error).name,
        errorMessage: (error as Error).message,
      });
      throw error;
    }
  };
}
