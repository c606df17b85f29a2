import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ManagedPolicyRole } from '../managed-policy-role';
import { CHUNK_FUNCTION_TIMEOUT, CHUNK_MAX_ATTEMPTS, CHUNK_RETRY_ERRORS } from './chunk-states';

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
    const chunk = new tasks.LambdaInvoke(this, 'DescribeChunk', {
      lambdaFunction: props.chunk,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      taskTimeout: sfn.Timeout.duration(CHUNK_FUNCTION_TIMEOUT.plus(Duration.seconds(30))),
    }).addRetry({
      errors: CHUNK_RETRY_ERRORS,
      interval: Duration.seconds(5),
      backoffRate: 2,
      maxAttempts: CHUNK_MAX_ATTEMPTS,
    });
    const map = new sfn.Map(this, 'DescribeChunks', {
      itemsPath: '$.chunking.ids',
      maxConcurrencyPath: '$.chunking.parallel',
      itemSelector: {
        'chunk.$': '$$.Map.Item.Value',
        'prefix.$': '$.chunking.prefix',
        'database.$': '$.input.database',
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    map.itemProcessor(chunk);
    const finish = new tasks.LambdaInvoke(this, 'FinishManifest', {
      lambdaFunction: props.finish,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
    }).addRetry({ errors: TRANSIENT, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6 });

    const logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.key,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = (this.role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: 'rxdr manifest job: invoke its three functions, write logs and traces',
    }));
    this.stateMachine = new sfn.StateMachine(this, 'Resource', {
      role,
      ...(props.stateMachineName ? { stateMachineName: props.stateMachineName } : {}),
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(plan.next(map).next(finish)),
      timeout: Duration.hours(6),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      comment: 'rxdr manifest job: plan chunks from the catalog, describe them in parallel, write the manifest',
    });
    // CMK encryption set here (as the drill's): the same permissions as `encryptionConfiguration`, named.
    const stack = Stack.of(this);
    const cfn = this.stateMachine.node.defaultChild as sfn.CfnStateMachine;
    cfn.encryptionConfiguration = {
      type: 'CUSTOMER_MANAGED_KMS_KEY',
      kmsKeyId: props.key.keyArn,
      kmsDataKeyReusePeriodSeconds: 300,
    };
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.key.keyArn],
        conditions: {
          StringLike: {
            'kms:EncryptionContext:aws:states:stateMachineArn': stack.formatArn({
              service: 'states',
              resource: 'stateMachine',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey'],
        resources: [props.key.keyArn],
        conditions: {
          StringEquals: {
            'kms:EncryptionContext:SourceArn': stack.formatArn({
              service: 'logs',
              resource: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
  }
}
