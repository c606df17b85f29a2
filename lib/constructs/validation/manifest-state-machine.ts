import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { encryptedStateMachine } from '../encrypted-state-machine';
import type { ManagedPolicyRole } from '../managed-policy-role';
import { chunksMap } from './chunk-states';

export interface ManifestStateMachineProps {
  readonly stateMachineName?: string;
  readonly plan: lambda.IFunction;
  readonly chunk: lambda.IFunction;
  readonly finish: lambda.IFunction;
  readonly key: kms.IKey;
  readonly logRetention: logs.RetentionDays;
}

/** Errors the plan and finish steps are retried for: the Lambda service's own. */
const TRANSIENT = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/**
 * The scheduled manifest job's workflow (Standard, JSONPath), one execution per database and schedule:
 *
 * PlanManifest → DescribeChunks (inline Map over `$.chunking.ids`, `$.chunking.parallel` at once, each
 * iteration one DescribeChunk invocation whose rows go to S3; retried alone) → FinishManifest.
 *
 * The execution input is the schedule's input (`manifestInputSchema`); only chunk ids travel as state, the
 * plan and chunk results live under `manifest-chunks/<database>/<execution>/` in the evidence bucket.
 */
export class ManifestStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly role: ManagedPolicyRole;

  constructor(scope: Construct, id: string, props: ManifestStateMachineProps) {
    super(scope, id);
    const plan = new tasks.LambdaInvoke(this, 'PlanManifest', {
      lambdaFunction: props.plan,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      payload: sfn.TaskInput.fromObject({
        input: sfn.JsonPath.objectAt('$$.Execution.Input'),
        run: sfn.JsonPath.executionName,
      }),
    }).addRetry({ errors: TRANSIENT, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6 });
    const map = chunksMap(this, { map: 'DescribeChunks', task: 'DescribeChunk' }, props.chunk, {
      database: '$.input.database',
    });
    const finish = new tasks.LambdaInvoke(this, 'FinishManifest', {
      lambdaFunction: props.finish,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
    }).addRetry({ errors: TRANSIENT, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6 });

    const { stateMachine, role } = encryptedStateMachine(this, {
      definition: plan.next(map).next(finish),
      ...(props.stateMachineName ? { stateMachineName: props.stateMachineName } : {}),
      timeout: Duration.hours(6),
      comment: 'rxdr manifest job: plan chunks from the catalog, describe them in parallel, write the manifest',
      roleDescription: 'rxdr manifest job: invoke its three functions, write logs and traces',
      key: props.key,
      logRetention: props.logRetention,
    });
    this.stateMachine = stateMachine;
    this.role = role;
  }
}
