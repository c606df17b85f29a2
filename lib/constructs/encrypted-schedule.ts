import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';

export interface EncryptedScheduleProps {
  readonly description: string;
  /** A Scheduler expression: `rate(…)`, `cron(…)` or `at(…)`. */
  readonly expression: string;
  /** @default - UTC */
  readonly timezone?: string;
  /** The customer-managed key the schedule, its input included, is encrypted with. */
  readonly key: kms.IKey;
  /** The ARN of what the schedule starts: a state machine or a function. */
  readonly targetArn: string;
  /** The role Scheduler starts the target with (it must be allowed to, and to use the key). */
  readonly role: iam.IRole;
  /** The target's input, as JSON. */
  readonly input: string;
  readonly retryPolicy: scheduler.CfnSchedule.RetryPolicyProperty;
  /** @default - none: a run that cannot be started after every retry is dropped */
  readonly deadLetterArn?: string;
}

/** An EventBridge Scheduler schedule, enabled, on time (no flexible window), encrypted with the key. */
export function encryptedSchedule(scope: Construct, id: string, props: EncryptedScheduleProps): scheduler.CfnSchedule {
  return new scheduler.CfnSchedule(scope, id, {
    description: props.description,
    scheduleExpression: props.expression,
    scheduleExpressionTimezone: props.timezone,
    flexibleTimeWindow: { mode: 'OFF' },
    state: 'ENABLED',
    kmsKeyArn: props.key.keyArn,
    target: {
      arn: props.targetArn,
      roleArn: props.role.roleArn,
      ...(props.deadLetterArn ? { deadLetterConfig: { arn: props.deadLetterArn } } : {}),
      input: props.input,
      retryPolicy: props.retryPolicy,
    },
  });
}
