import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { FailoverRunbooks, type RunbookDatabase } from '../../lib/constructs/failover/failover-runbooks';
import { TEST_CATALOG } from './fake-aws';
import { testApp } from '../helpers/synth';

export const TEST_DATABASES: RunbookDatabase[] = TEST_CATALOG.databases.map((d) => ({
  name: d.name,
  tier: d.tier as 1 | 2 | 3,
  rtoMinutes: d.rtoSeconds / 60,
  rpoMinutes: d.rpoSeconds / 60,
  defaultStrategy: d.defaultStrategy,
  primaryInstanceIdentifier: d.primaryInstanceIdentifier,
  ...(d.replicaInstanceIdentifier ? { replicaInstanceIdentifier: d.replicaInstanceIdentifier } : {}),
  secretArn: d.repoint.secretArn,
  ...(d.repoint.route53
    ? { route53: { hostedZoneId: d.repoint.route53.hostedZoneId, recordName: d.repoint.route53.recordName } }
    : {}),
  ...(d.repoint.parameterName ? { endpointParameterName: d.repoint.parameterName } : {}),
}));

/** The validator's name in the test stack (the failover's PlanChunks and Validate tasks invoke it). */
export const VALIDATOR = 'rxdr-test-validator';

/** The chunk validator's name in the test stack (the failover's ValidateChunk task invokes it). */
export const CHUNK_VALIDATOR = 'rxdr-test-validate-chunk';

/** A recovery-region stack holding only the runbooks (bundling skipped), and its template. */
export function runbookStack(options: { approvalTimeout?: Duration; databases?: RunbookDatabase[] } = {}): {
  stack: Stack;
  runbooks: FailoverRunbooks;
  template: Template;
} {
  const app = testApp({ context: { '@aws-cdk/core:validateAgainstDefaultRules': false } });
  const stack = new Stack(app, 'Runbooks', { env: { account: '111111111111', region: 'us-west-2' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const runbooks = new FailoverRunbooks(stack, 'Runbooks', {
    environmentName: 'test',
    primaryRegion: 'us-east-1',
    recoveryKey: key,
    primaryKeyArn: 'arn:aws:kms:us-east-1:111111111111:key/primary',
    recoveryVaultName: 'rxdr-test-recovery',
    evidenceBucket: s3.Bucket.fromBucketName(stack, 'Evidence', 'rxdr-test-evidence'),
    alertsTopic: sns.Topic.fromTopicArn(stack, 'Alerts', 'arn:aws:sns:us-west-2:111111111111:alerts'),
    validator: lambda.Function.fromFunctionName(stack, 'Validator', VALIDATOR),
    chunkValidator: lambda.Function.fromFunctionName(stack, 'ChunkValidator', CHUNK_VALIDATOR),
    databases: options.databases ?? TEST_DATABASES,
    approvalTimeout: options.approvalTimeout ?? Duration.seconds(2),
    toolVersion: '0.1.0',
    failoverStateMachineName: 'rxdr-test-failover',
    failbackStateMachineName: 'rxdr-test-failback',
    approvalParameterPrefix: '/rxdr/test/approvals',
    writeFreezeParameterPrefix: '/rxdr/test/write-freeze',
    catalogParameterName: '/rxdr/test/runbooks',
  });
  return { stack, runbooks, template: Template.fromStack(stack) };
}
