import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AlertTopicTarget } from '../alert-topic-target';

export interface OutOfScopeAlarmProps {
  readonly environmentName: string;
  /** ARNs of the roles game days act through (the FIS roles, the automation roles); may be a list token. */
  readonly gameDayRoleArns: readonly string[];
  /** RDS instance identifiers the environment's game days may touch. */
  readonly databaseIdentifiers: readonly string[];
  /**
   * Aurora cluster identifiers the environment's game days may touch.
   * @default none: any call naming a cluster is out of scope
   */
  readonly clusterIdentifiers?: readonly string[];
  /** AWS Backup vaults the environment's game days may call (and are denied). */
  readonly vaultNames: readonly string[];
  /** Notified when the alarm fires (the environment's alert topic). */
  readonly topic: sns.ITopic;
}

/**
 * The stop condition every game day shares: an API call by a game-day role that names an instance, cluster or vault
 * outside the environment's own, production resources of another environment included. An EventBridge rule on
 * CloudTrail's management events (no trail needed) notifies the alert topic; the alarm watches the rule's
 * `AWS/Events` `TriggeredRules` metric, so FIS stops the experiment within a minute.
 */
export class OutOfScopeAlarm extends Construct {
  readonly alarm: cloudwatch.Alarm;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: OutOfScopeAlarmProps) {
    super(scope, id);
    const outside = (names: readonly string[]) =>
      names.length > 0 ? [{ 'anything-but': [...names] }] : [{ exists: true }];
    this.rule = new events.Rule(this, 'Rule', {
      description: `rxdr ${props.environmentName}: a game-day role touched a resource outside the environment's game-day targets`,
      eventPattern: {
        detailType: ['AWS API Call via CloudTrail'],
        detail: {
          userIdentity: { sessionContext: { sessionIssuer: { arn: props.gameDayRoleArns as string[] } } },
          $or: [
            {
              eventSource: ['rds.amazonaws.com'],
              requestParameters: { dBInstanceIdentifier: outside(props.databaseIdentifiers) },
            },
            {
              eventSource: ['rds.amazonaws.com'],
              requestParameters: { dBClusterIdentifier: outside(props.clusterIdentifiers ?? []) },
            },
            {
              eventSource: ['backup.amazonaws.com'],
              requestParameters: { backupVaultName: outside(props.vaultNames) },
            },
          ],
        },
      },
      targets: [new AlertTopicTarget(props.topic)],
    });
    this.alarm = new cloudwatch.Alarm(this, 'Alarm', {
      alarmDescription:
        `rxdr ${props.environmentName}: a game day touched a resource outside its targets (production included). ` +
        'FIS stops every experiment that lists this alarm. Find the call in CloudTrail by the game-day role, then end ' +
        'the game day: rxdr gameday end.',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'TriggeredRules',
        dimensionsMap: { RuleName: this.rule.ruleName },
        statistic: 'Sum',
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarm.addAlarmAction(new actions.SnsAction(props.topic));
  }
}
