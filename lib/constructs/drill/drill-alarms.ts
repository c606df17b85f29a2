import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import {
  DRILL_METRICS,
  drillAlarmDimensions,
  drillDatabaseDimensions,
  drillEnvironmentDimensions,
} from '../../../engines/common/metrics-contract';
import { pascal } from './construct-id';
import type { RestoreDrill } from './restore-drill';
import type { DrillDatabaseSpec, RestoreDrillProps } from './restore-drill-props';

/** The drill's alarms, all to the alerts topic: a run failed, no run for too long, RTO or RPO above target. */
export function drillAlarms(drill: RestoreDrill, props: RestoreDrillProps): RestoreDrill['alarms'] {
  const topic = new actions.SnsAction(props.alertsTopic);
  const sm = drill.stateMachine;
  const drillFailed = new cloudwatch.Alarm(drill, 'DrillFailedAlarm', {
    alarmDescription: `rxdr ${props.environmentName}: a restore drill failed, timed out or was aborted (runbook: docs/runbooks/restore-drill.md)`,
    metric: new cloudwatch.MathExpression({
      expression: 'failed + timedOut + aborted',
      usingMetrics: {
        failed: sm.metricFailed({ statistic: 'Sum' }),
        timedOut: sm.metricTimedOut({ statistic: 'Sum' }),
        aborted: sm.metricAborted({ statistic: 'Sum' }),
      },
      period: Duration.hours(1),
    }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  // Dimensions exactly as the sweeper (per environment) and the recorder (per database) publish them.
  const metric = (name: string, dimensions: Record<string, string>, statistic: string, period: Duration) =>
    new cloudwatch.Metric({
      namespace: DRILL_METRICS.namespace,
      metricName: name,
      dimensionsMap: drillAlarmDimensions(dimensions),
      statistic,
      period,
    });
  const missedSchedule = new cloudwatch.Alarm(drill, 'MissedScheduleAlarm', {
    alarmDescription: `rxdr ${props.environmentName}: no restore drill has run for more than ${props.maxDaysBetweenDrills} days (or the sweeper that measures it stopped)`,
    metric: metric(
      DRILL_METRICS.hoursSinceLastDrill,
      drillEnvironmentDimensions(props.environmentName),
      'Maximum',
      Duration.days(1),
    ),
    threshold: props.maxDaysBetweenDrills * 24,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  });
  const target = (what: 'Rto' | 'Rpo', db: DrillDatabaseSpec) =>
    new cloudwatch.Alarm(drill, `${what}Alarm${pascal(db.name)}`, {
      alarmDescription:
        `rxdr ${props.environmentName}: ${db.name} drill achieved ${what.toUpperCase()} above the ` +
        `${db.tierName} target of ` +
        `${what === 'Rto' ? db.targets.rtoSeconds : db.targets.rpoSeconds} s`,
      metric: metric(
        what === 'Rto' ? DRILL_METRICS.achievedRtoSeconds : DRILL_METRICS.achievedRpoSeconds,
        drillDatabaseDimensions(props.environmentName, db.name),
        'Maximum',
        Duration.hours(1),
      ),
      threshold: what === 'Rto' ? db.targets.rtoSeconds : db.targets.rpoSeconds,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  const rto = props.databases.map((db) => target('Rto', db));
  const rpo = props.databases.map((db) => target('Rpo', db));
  for (const alarm of [drillFailed, missedSchedule, ...rto, ...rpo]) alarm.addAlarmAction(topic);
  return { drillFailed, missedSchedule, rto, rpo };
}
