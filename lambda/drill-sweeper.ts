import { PublishCommand } from '@aws-sdk/client-sns';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { systemClock } from '../engines/common/clock';
import { clients, env, logger, metrics } from '../engines/drill/aws/commons';
import { DRILL_ENV } from '../engines/drill/environment';
import { drillEnvironmentDimensions } from '../engines/common/metrics-contract';
import { sweepTask } from '../engines/drill/aws/sweeper';

/** The orphan sweeper (daily schedule, and drill executions that ended FAILED/TIMED_OUT/ABORTED). */
export const handler = async (event: unknown, context?: Context) => {
  if (context) logger.addContext(context);
  // The missed-drill alarm reads these per environment: publish with the same dimensions it names.
  metrics.addDimensions(drillEnvironmentDimensions(env(DRILL_ENV.environment)));
  const result = await sweepTask(event, {
    rds: clients.rds,
    sfn: clients.sfn,
    clock: systemClock,
    stateMachineArn: env(DRILL_ENV.stateMachineArn),
    maxAgeSeconds: Number(env(DRILL_ENV.maxAgeSeconds)),
    report: async (subject, message) => {
      logger.warn(subject, { message });
      await clients.sns.send(
        new PublishCommand({ TopicArn: env(DRILL_ENV.topicArn), Subject: subject.slice(0, 100), Message: message }),
      );
    },
    metric: (name, value) => metrics.addMetric(name, MetricUnit.Count, value),
  });
  metrics.publishStoredMetrics();
  for (const deleted of result.deleted) logger.info('orphan drill instance deleted', deleted);
  return result;
};
