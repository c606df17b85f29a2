import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { DRILL_ENV } from '../../../engines/drill/environment';
import { lambdaEntry } from '../lambda-entry';
import { encryptedSchedule } from '../encrypted-schedule';
import { ManagedPolicyRole } from '../managed-policy-role';
import { DrillFunction } from './drill-function';
import { publish } from './drill-grants';
import type { DrillPermissions } from './drill-permissions';
import type { RestoreDrillProps } from './restore-drill-props';
import { thisAccountsService } from '../service-principal-scope';
import { deadLetterQueue } from '../dead-letter-queue';

export interface DrillSweeperProps extends Pick<RestoreDrillProps, 'environmentName' | 'key' | 'alertsTopic'> {
  /** The drill functions' environment (`drillEnvironment`). */
  readonly environment: Record<string, string>;
  /** The drill state machine: an execution of it that ends unfinished triggers a sweep. */
  readonly stateMachine: sfn.IStateMachine;
  /** Its ARN built from its name (no reference to the state machine: the sweeper asks for its last run). */
  readonly stateMachineArn: string;
  /** The whole run's timeout: a drill copy older than this and an hour is an orphan. */
  readonly timeout: Duration;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The orphan sweeper (`SweeperFn` in `scope`): deletes drill-tagged copies older than the longest drill, daily and
 * as soon as an execution ends without finishing its own cleanup; failed asynchronous invocations land in a
 * dead-letter queue.
 */
export function drillSweeper(scope: Construct, guard: DrillPermissions, props: DrillSweeperProps): DrillFunction {
  // Asynchronous invocations of the sweeper (Scheduler, EventBridge) that fail every retry land here.
  const sweeperDlq = deadLetterQueue(
    scope,
    'SweeperDeadLetters',
    props.key,
    'the dead-letter queue of the orphan sweeper Lambda (asynchronous invocations that failed every retry); ' +
      'a dead-letter queue of a dead-letter queue would hold nothing',
  );

  const maxAge = props.timeout.toSeconds() + 3600;
  const sweeper = new DrillFunction(scope, 'SweeperFn', {
    entry: lambdaEntry('drill-sweeper'),
    handler: 'handler',
    description: 'rxdr drill: delete drill-tagged instances older than the longest drill; report each',
    key: props.key,
    reservedConcurrency: 2,
    timeout: Duration.minutes(5),
    logRetention: props.logRetention,
    environment: {
      ...props.environment,
      [DRILL_ENV.stateMachineArn]: props.stateMachineArn,
      [DRILL_ENV.maxAgeSeconds]: String(maxAge),
    },
    deadLetterQueue: sweeperDlq,
  });
  const sweeperRole = sweeper.role;
  sweeperRole.addToPrincipalPolicy(guard.describeInstances());
  sweeperRole.addToPrincipalPolicy(guard.deleteTagged());
  sweeperRole.addToPrincipalPolicy(guard.describeClusters());
  sweeperRole.addToPrincipalPolicy(guard.deleteTaggedClusters());
  for (const statement of guard.denyUntagged()) sweeperRole.addToPrincipalPolicy(statement);
  sweeperRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'LastDrillRun',
      actions: ['states:ListExecutions'],
      resources: [props.stateMachineArn],
    }),
  );
  publish(sweeperRole, props);
  const sweepRole = new ManagedPolicyRole(scope, 'SweepScheduleRole', {
    assumedBy: thisAccountsService(scope, 'scheduler.amazonaws.com'),
    description: 'EventBridge Scheduler runs the rxdr drill orphan sweeper',
  });
  sweepRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'RunTheSweeper',
      actions: ['lambda:InvokeFunction'],
      resources: [sweeper.fn.functionArn],
    }),
  );
  props.key.grant(sweepRole, 'kms:Decrypt', 'kms:GenerateDataKey');
  encryptedSchedule(scope, 'SweepSchedule', {
    description: `rxdr ${props.environmentName} drill orphan sweep`,
    expression: 'rate(1 day)',
    key: props.key,
    targetArn: sweeper.fn.functionArn,
    role: sweepRole,
    input: JSON.stringify({ mode: 'sweep' }),
    retryPolicy: { maximumRetryAttempts: 5, maximumEventAgeInSeconds: 3600 },
  });
  new events.Rule(scope, 'ExecutionEndedRule', {
    description: 'rxdr drill execution ended FAILED, TIMED_OUT or ABORTED: sweep its instances',
    eventPattern: {
      source: ['aws.states'],
      detailType: ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [props.stateMachine.stateMachineArn], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
    },
    targets: [new eventTargets.LambdaFunction(sweeper.fn, { retryAttempts: 5 })],
  });
  return sweeper;
}
