import { Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { MANIFEST_PREFIX } from '../../../engines/common/manifest-key';
import { acknowledgeManagedPolicy, wildcardResourceFinding } from '../../compliance/acknowledgements';
import type { RunbookArns } from './runbook-arns';
import type { RunbookPermissionsProps } from './runbook-permissions';

/**
 * The nag acknowledgements of the failover and failback functions' permissions, each finding id built from the
 * ARN expression its statement uses (see nagName).
 */
export function acknowledgeRunbookPermissions(permissions: RunbookPermissionsProps, arns: RunbookArns): void {
  const { runbooks: props, failoverFn, failbackFn, backupRestoreRole, restorePolicy } = permissions;
  const { stack, recoveryRegion, approvalTokens, writeFreezeFlags, recordChanges } = arns;
  const finding = (resource: string) => wildcardResourceFinding(stack, resource);
  const shared = [
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:GetMetricData (replica lag), rds:DescribeAccountAttributes (quota headroom), backup:DescribeRestoreJob and X-Ray tracing support no resource-level permissions',
    },
    {
      id: finding(approvalTokens),
      reason: "one approval token per execution, named after the execution, under the runbooks' own prefix",
    },
    { id: finding(writeFreezeFlags), reason: "one write-freeze flag per database under the runbooks' own prefix" },
    {
      id: finding(recordChanges),
      reason:
        'Route 53 change ids are created by each ChangeResourceRecordSets call; GetChange only reads their status',
    },
    {
      id: 'HIPAA.Security-LambdaInsideVPC',
      reason:
        'the runbook calls only AWS control-plane APIs (RDS, Route 53, SSM, Secrets Manager, Backup), never the databases; Route 53 has no VPC endpoint',
    },
    {
      id: 'NIST.800.53.R5-LambdaInsideVPC',
      reason:
        'the runbook calls only AWS control-plane APIs (RDS, Route 53, SSM, Secrets Manager, Backup), never the databases; Route 53 has no VPC endpoint',
    },
    {
      id: 'HIPAA.Security-LambdaDLQ',
      reason:
        'invoked synchronously by Step Functions, which retries and catches every failure into the evidence step; a DLQ never receives anything',
    },
    {
      id: 'NIST.800.53.R5-LambdaDLQ',
      reason:
        'invoked synchronously by Step Functions, which retries and catches every failure into the evidence step; a DLQ never receives anything',
    },
  ];
  const logStreams = (fn: lambda.IFunction) => {
    const logGroup = (fn.node.scope as Construct).node.findChild('Logs') as logs.LogGroup;
    return [
      {
        id: finding(`${logGroup.logGroupArn}:log-stream:*`),
        reason: "Lambda creates one log stream per execution environment in the function's own log group",
      },
    ];
  };
  const restoreGroups =
    'a restore or replica needs the default option/parameter groups and the security groups RDS picks, named by AWS at run time; limited to this account and region';
  const groupsIn = (region: string) =>
    ['og', 'pg', 'secgrp'].map((kind) => ({ id: finding(arns.rds(region, kind, '*')), reason: restoreGroups }));
  acknowledge(failoverFn.node.scope as Construct, [
    ...shared,
    ...logStreams(failoverFn),
    {
      id: finding(arns.evidenceObjects(failoverFn)),
      reason: 'one evidence object per database and execution (Object Lock keeps every version)',
    },
    {
      id: finding(arns.rds(recoveryRegion, 'auto-backup', '*')),
      reason: 'replicated automated backups get ids AWS assigns (ab-…); only this account and the recovery region',
    },
    {
      id: finding(arns.recoveryPoints),
      reason:
        'recovery point ids are assigned by AWS Backup; the function lists only the recovery vault and restores its newest point',
    },
    {
      id: finding(props.evidenceBucket.arnForObjects(`${MANIFEST_PREFIX}*`)),
      reason: `manifests are one object per database under ${MANIFEST_PREFIX} (read-only, every version)`,
    },
    ...groupsIn(recoveryRegion),
  ]);
  acknowledge(failbackFn.node.scope as Construct, [
    ...shared,
    ...logStreams(failbackFn),
    {
      id: finding(arns.evidenceObjects(failbackFn)),
      reason: 'one evidence object per database and execution (Object Lock keeps every version)',
    },
    ...groupsIn(props.primaryRegion),
    {
      id: finding(arns.primaryRegionKeys),
      reason:
        'IAM matches KMS permissions on key ARNs, never aliases: the statement is limited by a kms:ResourceAliases condition to the primary region key carrying the rxdr primary alias',
    },
  ]);
  acknowledgeManagedPolicy(
    backupRestoreRole,
    restorePolicy,
    'AWS Backup restore roles use the AWS-maintained restore policy, which tracks the permissions each resource type needs',
  );
}

function acknowledge(scope: Construct, findings: { id: string; reason: string }[]): void {
  for (const finding of findings) Validations.of(scope).acknowledge(finding);
}
