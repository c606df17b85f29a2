import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../../config/environment-config';
import { names } from '../../naming';
import { AutomationDocuments } from './automation-documents';
import { FailoverRunbooks } from './failover-runbooks';
import { failoverRunbooksProps } from './runbook-config';
import { RunbookGateway } from './runbook-gateway';
import type { GatewayConfig } from '../../../engines/failover/gateway';
import * as logs from 'aws-cdk-lib/aws-logs';

export interface RecoveryRunbooksProps {
  readonly config: EnvironmentConfig;
  /** The recovery region's customer-managed key. */
  readonly key: kms.IKey;
  readonly evidenceBucket: s3.IBucket;
  readonly alertsTopic: sns.ITopic;
  /** Role names the runbook gateway accepts: Operator sessions start, Approver sessions approve. */
  readonly roles: GatewayConfig['roles'];
}

/**
 * Everything the failover and failback runbooks add to an environment's recovery stack: the failover and failback runbooks (functions,
 * state machines, catalog parameter) and the SSM Automation documents that wrap them with an approval step.
 * The validator the failover calls before it repoints clients lives in the standby stack, inside the recovery
 * database network (`StandbyStack.validator`); that stack deploys after this one, so the runbooks invoke it by
 * its deterministic ARN (`names.failoverValidatorFunction`).
 */
export class RecoveryRunbooks extends Construct {
  /** The standby stack's validator, imported by name. */
  readonly validator: lambda.IFunction;
  /** The standby stack's chunk validator, imported by name (the failover state machine invokes it). */
  readonly chunkValidator: lambda.IFunction;
  readonly runbooks: FailoverRunbooks;
  readonly documents: AutomationDocuments;
  readonly gateway: RunbookGateway;

  constructor(scope: Construct, id: string, props: RecoveryRunbooksProps) {
    super(scope, id);
    const { config } = props;
    const validatorArn = Stack.of(this).formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: names.failoverValidatorFunction(config),
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.validator = lambda.Function.fromFunctionAttributes(this, 'Validator', {
      functionArn: validatorArn,
      sameEnvironment: true,
    });
    this.chunkValidator = lambda.Function.fromFunctionAttributes(this, 'ChunkValidator', {
      functionArn: Stack.of(this).formatArn({
        service: 'lambda',
        resource: 'function',
        resourceName: names.failoverChunkValidatorFunction(config),
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
      sameEnvironment: true,
    });
    this.runbooks = new FailoverRunbooks(
      this,
      'Runbooks',
      failoverRunbooksProps(this, config, {
        key: props.key,
        evidenceBucket: props.evidenceBucket,
        alertsTopic: props.alertsTopic,
        validator: this.validator,
        chunkValidator: this.chunkValidator,
      }),
    );
    this.gateway = new RunbookGateway(this, 'Gateway', {
      environmentName: config.name,
      functionName: names.runbookGatewayFunction(config),
      failover: this.runbooks.failover,
      failback: this.runbooks.failback,
      failoverStateMachineName: names.failoverStateMachine(config),
      failbackStateMachineName: names.failbackStateMachine(config),
      approvalParameterPrefix: names.approvalParameterPrefix(config),
      roles: props.roles,
      key: props.key,
      logRetention: logs.RetentionDays.SIX_YEARS,
    });
    this.documents = new AutomationDocuments(this, 'Documents', {
      environmentName: config.name,
      gatewayUrl: this.gateway.url.url,
      failoverStateMachineName: names.failoverStateMachine(config),
      failbackStateMachineName: names.failbackStateMachine(config),
      failoverDocumentName: names.failoverDocument(config),
      failbackDocumentName: names.failbackDocument(config),
      approveDocumentName: names.approveDocument(config),
      approvalTimeout: Duration.minutes(config.failover.approvalTimeoutMinutes),
    });
  }
}
