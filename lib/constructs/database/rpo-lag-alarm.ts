import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface RpoLagAlarmProps {
  /** The lag metric, one-minute periods. */
  readonly lag: cloudwatch.Metric;
  /** How many of the metric's units one minute of lag is (60 for seconds, 60 000 for milliseconds). */
  readonly unitsPerMinute: number;
  readonly rpoMinutes: number;
  readonly description: string;
  readonly topic: sns.ITopic;
  /** @default 3 */
  readonly periods?: number;
}

/**
 * A standby's replication lag above the tier's RPO, to the alerts topic. Missing data counts as breaching: a
 * standby whose replication broke, or that was deleted or detached, stops reporting lag, and that is exactly
 * when the RPO is no longer met.
 */
export function rpoLagAlarm(scope: Construct, props: RpoLagAlarmProps): cloudwatch.Alarm {
  if (!Number.isInteger(props.rpoMinutes) || props.rpoMinutes < 1)
    throw new Error(`rpoMinutes must be a whole number of minutes of at least 1, got ${props.rpoMinutes}`);
  const periods = props.periods ?? 3;
  if (!Number.isInteger(periods) || periods < 1)
    throw new Error(`periods must be a whole number of at least 1, got ${periods}`);
  const alarm = props.lag.createAlarm(scope, 'Alarm', {
    alarmDescription: props.description,
    threshold: props.rpoMinutes * props.unitsPerMinute,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: periods,
    datapointsToAlarm: periods,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  });
  alarm.addAlarmAction(new actions.SnsAction(props.topic));
  alarm.addOkAction(new actions.SnsAction(props.topic));
  return alarm;
}
