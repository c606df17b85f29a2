import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { encryptedSchedule } from '../encrypted-schedule';
import { ManagedPolicyRole } from '../managed-policy-role';
import { pascal } from './construct-id';
import type { RestoreDrillProps } from './restore-drill-props';
import { thisAccountsService } from '../service-principal-scope';

/**
 * The drill's schedules: EventBridge Scheduler starts the state machine, once per schedule (all databases, or the
 * schedule's tiers), with a role (`SchedulerRole` in `scope`) that may do only that.
 */
export function scheduleDrillRuns(
  scope: Construct,
  stateMachine: sfn.IStateMachine,
  props: Pick<RestoreDrillProps, 'environmentName' | 'key' | 'schedules' | 'timezone' | 'schedulerRoleName'>,
): void {
  const schedulerRole = new ManagedPolicyRole(scope, 'SchedulerRole', {
    assumedBy: thisAccountsService(scope, 'scheduler.amazonaws.com'),
    description: 'EventBridge Scheduler starts rxdr restore drills',
    ...(props.schedulerRoleName ? { roleName: props.schedulerRoleName } : {}),
  });
  schedulerRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'StartDrills',
      actions: ['states:StartExecution'],
      resources: [stateMachine.stateMachineArn],
    }),
  );
  for (const schedule of props.schedules) {
    encryptedSchedule(scope, `Schedule${pascal(schedule.name)}`, {
      description: `rxdr ${props.environmentName} restore drill (${schedule.tiers ? `tiers ${schedule.tiers.join(', ')}` : 'all databases'})`,
      expression: schedule.expression,
      timezone: props.timezone,
      key: props.key,
      targetArn: stateMachine.stateMachineArn,
      role: schedulerRole,
      input: JSON.stringify({
        databases: 'all',
        ...(schedule.tiers ? { tiers: schedule.tiers } : {}),
        selector: { kind: 'latest' },
        startedBy: `schedule:${schedule.name}`,
      }),
      retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 86400 },
    });
  }
  props.key.grant(schedulerRole, 'kms:Decrypt', 'kms:GenerateDataKey');
}
