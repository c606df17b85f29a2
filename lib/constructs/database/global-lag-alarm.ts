import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { rpoLagAlarm } from './rpo-lag-alarm';

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
    this.alarm = rpoLagAlarm(this, {
      lag: new cloudwatch.Metric({
        namespace: 'AWS/RDS',
        metricName: 'AuroraGlobalDBReplicationLag',
        dimensionsMap: { DBClusterIdentifier: props.secondaryClusterIdentifier },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(1),
        unit: cloudwatch.Unit.MILLISECONDS,
      }),
      unitsPerMinute: 60 * 1000,
      rpoMinutes: props.rpoMinutes,
      description: `rxdr: global database secondary ${props.secondaryClusterIdentifier} lags more than its tier's RPO of ${props.rpoMinutes} min, or stopped reporting lag`,
      topic: props.topic,
      periods: props.periods,
    });
  }
}
