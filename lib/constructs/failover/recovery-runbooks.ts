import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../../config/environment-config';
import { Duration } from 'aws-cdk-lib';
import { names } from '../../naming';
import { AutomationDocuments } from './automation-documents';
import { FailoverRunbooks } from './failover-runbooks';
import { FailoverValidator } from './failover-validator';
import { failoverRunbooksProps, runbookDatabases } from './runbook-config';

export interface RecoveryRunbooksProps {
  readonly config: EnvironmentConfig;
  /** The recovery region's customer-managed key. */
  readonly key: kms.IKey;
  readonly evidenceBucket: s3.IBucket;
  readonly alertsTopic: sns.ITopic;
}

/**
 * Everything issue 6 adds to an environment's recovery region: the validator the failover calls before it
 * repoints clients, the failover and failback runbooks (functions, state machines, catalog parameter) and the
 * SSM Automation documents that wrap them with an approval step.
 */
export class RecoveryRunbooks extends Construct {
  readonly validator: FailoverValidator;
  readonly runbooks: FailoverRunbooks;
  readonly documents: AutomationDocuments;

  constructor(scope: Construct, id: string, props: RecoveryRunbooksProps) {
    super(scope, id);
    const { config } = props;
    this.validator = new FailoverValidator(this, 'Validator', {
      key: props.key,
      evidenceBucket: props.evidenceBucket,
      secretIds: runbookDatabases(config).map((d) => d.secretArn),
    });
    this.runbooks = new FailoverRunbooks(this, 'Runbooks', failoverRunbooksProps(this, config, { key: props.key, evidenceBucket: props.evidenceBucket, alertsTopic: props.alertsTopic, validator: this.validator.function }));
    this.documents = new AutomationDocuments(this, 'Documents', {
      environmentName: config.name,
      failover: this.runbooks.failover,
      failback: this.runbooks.failback,
      failoverStateMachineName: names.failoverStateMachine(config),
      failbackStateMachineName: names.failbackStateMachine(config),
      failoverDocumentName: names.failoverDocument(config),
      failbackDocumentName: names.failbackDocument(config),
      approvalParameterPrefix: names.approvalParameterPrefix(config),
      key: props.key,
      approvalTimeout: Duration.minutes(config.failover.approvalTimeoutMinutes),
    });
  }
}
