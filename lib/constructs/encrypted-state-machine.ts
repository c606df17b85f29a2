import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { retainedLogGroup } from './retained-log-group';
import type { Construct } from 'constructs';
import { ManagedPolicyRole } from './managed-policy-role';

export interface EncryptedStateMachineProps {
  readonly definition: sfn.IChainable;
  /**
   * @default - a name CloudFormation generates; the role may then use the key for any state machine of the
   * account and region (the name is not known at synth)
   */
  readonly stateMachineName?: string;
  readonly timeout: Duration;
  /** @default - none */
  readonly comment?: string;
  /** What the role is for (its IAM description). */
  readonly roleDescription: string;
  /** Encrypts the state machine's data and its log group. */
  readonly key: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /**
   * Names the children `<id>Logs`, `<id>Role` and `<id>`, for a scope that holds several state machines.
   * @default - `Logs`, `Role` and `Resource`
   */
  readonly id?: string;
}

export interface EncryptedStateMachine {
  readonly stateMachine: sfn.StateMachine;
  /** Its role: every grant lands in its customer-managed policy (HIPAA/NIST IAMNoInlinePolicy). */
  readonly role: ManagedPolicyRole;
}

/**
 * A Standard state machine as every rxdr workflow has it: X-Ray tracing, every event logged without execution
 * data to a log group encrypted and retained with the key, and its data encrypted with the same CMK. Made in
 * `scope` as `Logs`, `Role` and `Resource` (or `<id>Logs`, `<id>Role` and `<id>`), so the construct that calls it
 * keeps its children's logical ids.
 *
 * The CMK encryption is set on the CloudFormation resource rather than through `encryptionConfiguration`, whose
 * key-policy grant to log delivery is `kms:Decrypt*` (a wildcard action): the role gets the same permissions,
 * named. Log delivery's own `kms:Decrypt` belongs in the key policy (`allowLogDeliveryToDecrypt`).
 */
export function encryptedStateMachine(scope: Construct, props: EncryptedStateMachineProps): EncryptedStateMachine {
  const prefix = props.id ?? '';
  const logGroup = retainedLogGroup(scope, `${prefix}Logs`, props.key, props.logRetention);
  const role = new ManagedPolicyRole(scope, `${prefix}Role`, {
    assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
    description: props.roleDescription,
  });
  const stateMachine = new sfn.StateMachine(scope, props.id ?? 'Resource', {
    role,
    ...(props.stateMachineName ? { stateMachineName: props.stateMachineName } : {}),
    stateMachineType: sfn.StateMachineType.STANDARD,
    definitionBody: sfn.DefinitionBody.fromChainable(props.definition),
    timeout: props.timeout,
    tracingEnabled: true,
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    ...(props.comment ? { comment: props.comment } : {}),
  });
  const stack = Stack.of(scope);
  const cfn = stateMachine.node.defaultChild as sfn.CfnStateMachine;
  cfn.encryptionConfiguration = {
    type: 'CUSTOMER_MANAGED_KMS_KEY',
    kmsKeyId: props.key.keyArn,
    kmsDataKeyReusePeriodSeconds: 300,
  };
  const stateMachineArn = stack.formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: props.stateMachineName ?? '*',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [props.key.keyArn],
      conditions: {
        [props.stateMachineName ? 'StringEquals' : 'StringLike']: {
          'kms:EncryptionContext:aws:states:stateMachineArn': stateMachineArn,
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
  return { stateMachine, role };
}

/**
 * Let CloudWatch Logs' delivery service read what state machines of this account log under `key` (a key-policy
 * statement; a no-op for an imported key, whose own stack must grant it).
 */
export function allowLogDeliveryToDecrypt(key: kms.IKey, sid?: string): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      ...(sid ? { sid } : {}),
      actions: ['kms:Decrypt'],
      resources: ['*'],
      principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(key).account } },
    }),
  );
}
