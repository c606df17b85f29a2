import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface GlobalDatabaseLagAlarmProps {
  /** The secondary cluster's identifier (in this, the recovery, region). */
  readonly secondaryClusterIdentifier: string;
  /** The tier's recovery point objective: the alarm fires when replication lags more than this. */
  readonly rpoMinutes: number;
  readonly topic: sns.ITopic;
  /** Consecutive one-minute periods above the RPO before the alarm fires. @default 3 */
  readonly periods?: number;
}

/**
 * Alarm when an Aurora Global Database's secondary cluster lags the primary by more than the tier's RPO
 * (`AuroraGlobalDBReplicationLag`, milliseconds). Missing data counts as breaching: a secondary that was
 * detached or whose replication broke stops reporting, and that is when the RPO is no longer met.
 */
export class GlobalDatabaseLagAlarm extends Construct {
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: GlobalDatabaseLagAlarmProps) {
    super(scope, id);
    if (!Number.isInteger(props.rpoMinutes) || props.rpoMinutes < 1)
      throw new Error(`rpoMinutes must be a whole number of minutes of at least 1, got ${props.rpoMinutes}`);
    const periods = props.periods ?? 3;
    if (!Number.isInteger(periods) || periods < 1)
      throw new Error(`periods must be a whole number of at least 1, got ${periods}`);
    const lag = new cloudwatch.Metric({
      namespace: 'AWS/RDS',
      metricName: 'AuroraGlobalDBReplicationLag',
      dimensionsMap: { DBClusterIdentifier: props.secondaryClusterIdentifier },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(1),
      unit: cloudwatch.Unit.MILLISECONDS,
    });
    this.alarm = lag.createAlarm(this, 'Alarm', {
      alarmDescription: `rxdr: global database secondary ${props.secondaryClusterIdentifier} lags more than its tier's RPO of ${props.rpoMinutes} min, or stopped reporting lag`,
      threshold: props.rpoMinutes * 60 * 1000,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: periods,
      datapointsToAlarm: periods,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.alarm.addAlarmAction(new actions.SnsAction(props.topic));
    this.alarm.addOkAction(new actions.SnsAction(props.topic));
  }
}
