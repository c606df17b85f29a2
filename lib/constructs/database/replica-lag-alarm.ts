import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { rpoLagAlarm } from './rpo-lag-alarm';

export interface ReplicaLagAlarmProps {
  /** The read replica's DB instance identifier. */
  readonly replicaIdentifier: string;
  /** The tier's recovery point objective: the alarm fires when the replica lags more than this. */
  readonly rpoMinutes: number;
  readonly topic: sns.ITopic;
  /**
   * Consecutive one-minute periods above the RPO before the alarm fires.
   * @default 3
   */
  readonly periods?: number;
}

/**
 * Alarm when a warm-standby replica lags its source by more than the tier's RPO. Missing data counts as
 * breaching: a replica whose replication broke, or that was deleted, stops reporting `ReplicaLag`, and that
 * is exactly when the RPO is no longer met.
 */
export class ReplicaLagAlarm extends Construct {
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ReplicaLagAlarmProps) {
    super(scope, id);
    this.alarm = rpoLagAlarm(this, {
      lag: new cloudwatch.Metric({
        namespace: 'AWS/RDS',
        metricName: 'ReplicaLag',
        dimensionsMap: { DBInstanceIdentifier: props.replicaIdentifier },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(1),
        unit: cloudwatch.Unit.SECONDS,
      }),
      unitsPerMinute: 60,
      rpoMinutes: props.rpoMinutes,
      description: `rxdr: read replica ${props.replicaIdentifier} lags more than its tier's RPO of ${props.rpoMinutes} min (${props.rpoMinutes * 60} s), or stopped reporting lag`,
      topic: props.topic,
      periods: props.periods,
    });
  }
}
