import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { GatewayConfig } from '../../../engines/failover/gateway';
import { acknowledgeWildcardResources } from '../../compliance/acknowledgements';
import { bundleInputsHash } from '../bundle-inputs-hash';
import { BUNDLING_TARGET, FUNCTION_PLATFORM } from '../function-runtime';
import { lambdaEntry } from '../lambda-entry';
import { acknowledgeOwnLogStreams, lambdaLogsAndRole } from '../managed-policy-role';

export interface RunbookGatewayProps {
  readonly environmentName: string;
  readonly functionName: string;
  readonly failover: sfn.IStateMachine;
  readonly failback: sfn.IStateMachine;
  readonly failoverStateMachineName: string;
  readonly failbackStateMachineName: string;
  readonly approvalParameterPrefix: string;
  /** Names of the roles whose sessions may start (Operator), approve (Approver) or do both (break-glass). */
  readonly roles: GatewayConfig['roles'];
  /** Encrypts the approval tokens, the function's environment and its logs. */
  readonly key: kms.IKey;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The runbook gateway (`engines/failover/gateway.ts`) behind a function URL with IAM authentication: Lambda
 * verifies the SigV4 signature and passes the caller's principal to the function, which starts runs with that
 * principal as `startedBy`, refuses an approval by the person who started the run, and alone holds the
 * permission to send the approval gate's task result.
 */
export class RunbookGateway extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly url: lambda.FunctionUrl;

  constructor(scope: Construct, id: string, props: RunbookGatewayProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { logGroup, role } = lambdaLogsAndRole(this, {
      key: props.key,
      logRetention: props.logRetention,
      description: `rxdr ${props.environmentName} runbook gateway`,
    });
    const config: GatewayConfig = {
      environment: props.environmentName,
      account: stack.account,
      stateMachines: { failover: props.failover.stateMachineArn, failback: props.failback.stateMachineArn },
      approvalParameterPrefix: props.approvalParameterPrefix,
      roles: props.roles,
    };
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      role,
      functionName: props.functionName,
      entry: lambdaEntry('runbook-gateway'),
      handler: 'handler',
      ...FUNCTION_PLATFORM,
      memorySize: 256,
      timeout: Duration.seconds(30),
      description: `rxdr ${props.environmentName}: start, approve and abort runbooks as the verified caller`,
      environment: { GATEWAY_CONFIG: stack.toJsonString(config), NODE_OPTIONS: '--enable-source-maps' },
      environmentEncryption: props.key,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      reservedConcurrentExecutions: 5,
      bundling: {
        minify: true,
        sourceMap: true,
        target: BUNDLING_TARGET,
        externalModules: [],
        assetHash: bundleInputsHash(lambdaEntry('runbook-gateway')),
      },
    });
    this.url = this.function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });

    const machines = [props.failover.stateMachineArn, props.failback.stateMachineArn];
    const executions = [props.failoverStateMachineName, props.failbackStateMachineName].map((name) =>
      stack.formatArn({
        service: 'states',
        resource: 'execution',
        resourceName: `${name}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    const approvalTokens = stack.formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: `${props.approvalParameterPrefix.replace(/^\//, '')}/*`,
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StartAndAnswerRunbooks',
        actions: ['states:StartExecution', 'states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: machines,
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'FollowAndStopRuns',
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: executions,
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadApprovalTokens',
        actions: ['ssm:GetParameter'],
        resources: [approvalTokens],
      }),
    );
    props.key.grant(role, 'kms:Decrypt');
    // DescribeExecution of a CMK-encrypted state machine decrypts its input.
    acknowledgeWildcardResources(role, executions, 'executions of the two runbook state machines, named per run');
    acknowledgeWildcardResources(role, [approvalTokens], 'one approval token per paused run under the approval path');
    acknowledgeOwnLogStreams(role, logGroup);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray (PutTraceSegments, PutTelemetryRecords) supports no resource-level permissions',
    });
    const outsideVpc =
      'reached through its function URL and calls only the Step Functions and SSM control planes, never a database';
    const noDlq = 'invoked synchronously through its function URL: the caller sees every failure, nothing is queued';
    for (const pack of ['HIPAA.Security', 'NIST.800.53.R5']) {
      Validations.of(this.function).acknowledge({ id: `${pack}-LambdaInsideVPC`, reason: outsideVpc });
      Validations.of(this.function).acknowledge({ id: `${pack}-LambdaDLQ`, reason: noDlq });
    }
  }
}
