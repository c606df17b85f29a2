import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AlertTopicTarget } from '../alert-topic-target';
import { ApiCallMatch, SECURITY_DETECTIONS, SecurityDetection } from './security-detections';

export interface SecurityAlarmsProps {
  /**
   * Where alarms go (the environment's alert topic). It must let `events.amazonaws.com` publish and use its
   * key for this account, as `AlertsTopic` on an `EncryptionKey` does: the rules add no grants of their own.
   */
  readonly topic: sns.ITopic;
  /** ARNs the detections compare against. */
  readonly targets: {
    readonly breakGlassRoleArn: string;
    readonly drillStateMachineArn: string;
    /** The drill schedule's role: drills it starts are on schedule. */
    readonly drillSchedulerRoleArn: string;
    readonly failoverStateMachineArns: readonly string[];
  };
  /**
   * The audit trail's CloudWatch Logs group: each detection becomes a metric filter and an alarm. Without
   * it (an organization trail delivers elsewhere) each detection becomes an EventBridge rule publishing to
   * `topic`, which sees this region's events only: create one per region.
   */
  readonly trailLogGroup?: logs.ILogGroup;
  /** @default "rxdr/Security" */
  readonly metricNamespace?: string;
  /**
   * The detections to raise.
   * @default SECURITY_DETECTIONS (all of them)
   */
  readonly detections?: readonly SecurityDetection[];
}

/**
 * Alarms on the security events listed in `SECURITY_DETECTIONS`: recovery-point deletion attempts, vault
 * policy or lock changes, KMS key disable or scheduled deletion, break-glass assumption, drills started
 * outside the schedule, failovers and failbacks started.
 */
export class SecurityAlarms extends Construct {
  /** Alarm per detection id (metric-filter mode). */
  readonly alarms: Record<string, cloudwatch.Alarm> = {};
  /** EventBridge rules per detection id (organization-trail mode). */
  readonly rules: Record<string, events.Rule[]> = {};

  constructor(scope: Construct, id: string, props: SecurityAlarmsProps) {
    super(scope, id);
    const namespace = props.metricNamespace ?? 'rxdr/Security';
    for (const detection of props.detections ?? SECURITY_DETECTIONS) {
      if (props.trailLogGroup) {
        new logs.MetricFilter(this, `${detection.id}Filter`, {
          logGroup: props.trailLogGroup,
          filterPattern: logs.FilterPattern.literal(metricFilterPattern(detection, props.targets)),
          metricNamespace: namespace,
          metricName: detection.id,
          metricValue: '1',
        });
        const alarm = new cloudwatch.Alarm(this, `${detection.id}Alarm`, {
          alarmDescription: `${detection.title}. ${detection.response}`,
          metric: new cloudwatch.Metric({
            namespace,
            metricName: detection.id,
            statistic: 'Sum',
            period: Duration.minutes(5),
          }),
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
        alarm.addAlarmAction(new actions.SnsAction(props.topic));
        this.alarms[detection.id] = alarm;
      } else {
        this.rules[detection.id] = detection.calls.map(
          (call, index) =>
            new events.Rule(this, `${detection.id}Rule${index}`, {
              description: `rxdr security alarm: ${detection.title}`,
              eventPattern: eventPattern(detection, call, props.targets),
              targets: [new AlertTopicTarget(props.topic)],
            }),
        );
      }
    }
  }
}

type Targets = SecurityAlarmsProps['targets'];

/** The CloudWatch Logs filter pattern for a detection over CloudTrail JSON records. */
export function metricFilterPattern(detection: SecurityDetection, t: Targets): string {
  const calls = detection.calls.map(
    (call) =>
      `(($.eventSource = "${call.eventSource}") && (${call.eventNames.map((name) => `($.eventName = "${name}")`).join(' || ')}))`,
  );
  const conditions = [calls.length === 1 ? calls[0] : `(${calls.join(' || ')})`];
  switch (detection.target) {
    case 'breakGlassRole':
      conditions.push(`($.requestParameters.roleArn = "${t.breakGlassRoleArn}")`);
      break;
    case 'drillStateMachine':
      conditions.push(
        `($.requestParameters.stateMachineArn = "${t.drillStateMachineArn}")`,
        `($.userIdentity.sessionContext.sessionIssuer.arn != "${t.drillSchedulerRoleArn}")`,
      );
      break;
    case 'failoverStateMachines':
      conditions.push(
        `(${t.failoverStateMachineArns.map((arn) => `($.requestParameters.stateMachineArn = "${arn}")`).join(' || ')})`,
      );
      break;
    case undefined:
      break;
  }
  return `{ ${conditions.join(' && ')} }`;
}

function eventPattern(detection: SecurityDetection, call: ApiCallMatch, t: Targets): events.EventPattern {
  const detail: Record<string, unknown> = { eventSource: [call.eventSource], eventName: [...call.eventNames] };
  switch (detection.target) {
    case 'breakGlassRole':
      detail.requestParameters = { roleArn: [t.breakGlassRoleArn] };
      break;
    case 'drillStateMachine':
      detail.requestParameters = { stateMachineArn: [t.drillStateMachineArn] };
      detail.userIdentity = {
        sessionContext: { sessionIssuer: { arn: [{ 'anything-but': t.drillSchedulerRoleArn }] } },
      };
      break;
    case 'failoverStateMachines':
      detail.requestParameters = { stateMachineArn: [...t.failoverStateMachineArns] };
      break;
    case undefined:
      break;
  }
  return {
    source: [`aws.${call.eventSource.replace('.amazonaws.com', '')}`],
    detailType: ['AWS API Call via CloudTrail'],
    detail,
  };
}
