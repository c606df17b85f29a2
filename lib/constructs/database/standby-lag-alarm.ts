import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** The kinds of warm standby, and the `AWS/RDS` metric each reports its replication lag in. */
const LAG_METRICS = {
  /** A cross-region read replica of an RDS instance. */
  'read-replica': {
    metricName: 'ReplicaLag',
    dimension: 'DBInstanceIdentifier',
    unit: cloudwatch.Unit.SECONDS,
    unitsPerMinute: 60,
    describe: (standby: string, rpoMinutes: number) =>
      `read replica ${standby} lags more than its tier's RPO of ${rpoMinutes} min (${rpoMinutes * 60} s)`,
  },
  /** An Aurora Global Database's secondary cluster. */
  'global-secondary': {
    metricName: 'AuroraGlobalDBReplicationLag',
    dimension: 'DBClusterIdentifier',
    unit: cloudwatch.Unit.MILLISECONDS,
    unitsPerMinute: 60 * 1000,
    describe: (standby: string, rpoMinutes: number) =>
      `global database secondary ${standby} lags more than its tier's RPO of ${rpoMinutes} min`,
  },
} as const;

export type StandbyKind = keyof typeof LAG_METRICS;

export interface StandbyLagAlarmProps {
  readonly kind: StandbyKind;
  /** The standby's identifier in this, the recovery, region (DB instance or DB cluster identifier). */
  readonly standbyIdentifier: string;
  /** The tier's recovery point objective: the alarm fires when the standby lags more than this. */
  readonly rpoMinutes: number;
  readonly topic: sns.ITopic;
  /**
   * Consecutive one-minute periods above the RPO before the alarm fires.
   * @default 3
   */
  readonly periods?: number;
}

/**
 * A warm standby's replication lag above the tier's RPO, to the alerts topic. Missing data counts as breaching:
 * a standby whose replication broke, or that was deleted or detached, stops reporting lag, and that is exactly
 * when the RPO is no longer met.
 */
export class StandbyLagAlarm extends Construct {
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: StandbyLagAlarmProps) {
    super(scope, id);
    const { rpoMinutes } = props;
    if (!Number.isInteger(rpoMinutes) || rpoMinutes < 1)
      throw new Error(`rpoMinutes must be a whole number of minutes of at least 1, got ${rpoMinutes}`);
    const periods = props.periods ?? 3;
    if (!Number.isInteger(periods) || periods < 1)
      throw new Error(`periods must be a whole number of at least 1, got ${periods}`);
    const metric = LAG_METRICS[props.kind];
    const lag = new cloudwatch.Metric({
      namespace: 'AWS/RDS',
      metricName: metric.metricName,
      dimensionsMap: { [metric.dimension]: props.standbyIdentifier },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.minutes(1),
      unit: metric.unit,
    });
    this.alarm = lag.createAlarm(this, 'Alarm', {
      alarmDescription: `rxdr: ${metric.describe(props.standbyIdentifier, rpoMinutes)}, or stopped reporting lag`,
      threshold: rpoMinutes * metric.unitsPerMinute,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: periods,
      datapointsToAlarm: periods,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.alarm.addAlarmAction(new actions.SnsAction(props.topic));
    this.alarm.addOkAction(new actions.SnsAction(props.topic));
  }
}
