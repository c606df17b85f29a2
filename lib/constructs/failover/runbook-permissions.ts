import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { CatalogInput } from '../../../engines/failover/catalog';
import { MANIFEST_PREFIX } from '../../../engines/common/manifest-key';
import { secretResourceArn } from './failover-validator';
import { acknowledgeManagedPolicy, wildcardResourceFinding } from '../../compliance/acknowledgements';
import type { FailoverRunbooksProps } from './failover-runbooks';
import { grantClusterRunbookPermissions } from './cluster-runbook-permissions';

export interface RunbookPermissionsProps {
  readonly runbooks: FailoverRunbooksProps;
  readonly catalog: CatalogInput;
  readonly failoverFn: lambda.IFunction;
  readonly failbackFn: lambda.IFunction;
  readonly backupRestoreRole: iam.Role;
  readonly restorePolicy: iam.IManagedPolicy;
}

/**
 * The failover and failback functions' permissions, each scoped to the configured instances, secrets, records and
 * parameters, with the nag acknowledgements built from the same ARN expressions the statements use.
 */
export function grantRunbookPermissions(scope: Construct, permissions: RunbookPermissionsProps): void {
  const { runbooks: props, failoverFn, failbackFn, backupRestoreRole, restorePolicy } = permissions;
  const databases = permissions.catalog.databases;
  const stack = Stack.of(scope);
  const recoveryRegion = stack.region;
  // ---- permissions, scoped to the configured resources ----
  const rdsArn = (region: string, resource: string, name: string) =>
    stack.formatArn({
      service: 'rds',
      region,
      resource,
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  // Instance ARNs name RDS instances only; an Aurora cluster's permissions are `cluster-runbook-permissions.ts`'s.
  const instances = databases.filter((d) => d.cluster === undefined);
  const primaryIds = instances.map((d) => d.primaryInstanceIdentifier);
  const replicaIds = instances.flatMap((d) => (d.replicaInstanceIdentifier ? [d.replicaInstanceIdentifier] : []));
  const recoveredIds = instances.map((d) => d.recoveredInstanceIdentifier);
  const failbackIds = instances.map((d) => d.failbackInstanceIdentifier);
  const recoveryDbArns = [...replicaIds, ...recoveredIds].map((i) => rdsArn(recoveryRegion, 'db', i));
  const primaryDbArns = [...primaryIds, ...failbackIds].map((i) => rdsArn(props.primaryRegion, 'db', i));
  const subnetGroups = (region: string, names: (string | undefined)[]) =>
    names.filter((n): n is string => n !== undefined).map((n) => rdsArn(region, 'subgrp', n));
  const secretArns = databases.map((d) => secretResourceArn(stack, d.repoint.secretArn));
  const endpointParameters = databases.flatMap((d) => (d.repoint.parameterName ? [d.repoint.parameterName] : []));
  const parameterArn = (name: string) =>
    stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, '') });
  const zones = [...new Set(databases.flatMap((d) => (d.repoint.route53 ? [d.repoint.route53.hostedZoneId] : [])))];
  const recordNames = databases.flatMap((d) =>
    d.repoint.route53 ? [d.repoint.route53.recordName.replace(/\.$/, '').toLowerCase()] : [],
  );

  const approvalTokens = parameterArn(`${props.approvalParameterPrefix}/*`);
  const writeFreezeFlags = parameterArn(`${props.writeFreezeParameterPrefix}/*`);
  const recordChanges = `arn:${stack.partition}:route53:::change/*`;
  const evidenceObjects = (fn: lambda.IFunction) =>
    props.evidenceBucket.arnForObjects(`${fn === failoverFn ? 'failover' : 'failback'}/*`);
  for (const fn of [failoverFn, failbackFn]) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'DescribeProtectedInstances',
        actions: ['rds:DescribeDBInstances'],
        resources: [...recoveryDbArns, ...primaryDbArns],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadAndRepointClientPointers',
        actions: [
          'secretsmanager:DescribeSecret',
          'secretsmanager:GetSecretValue',
          'secretsmanager:PutSecretValue',
          'secretsmanager:StopReplicationToReplica',
        ],
        resources: secretArns,
      }),
    );
    const parameterResources = [...endpointParameters.map(parameterArn), approvalTokens, writeFreezeFlags];
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'EndpointApprovalAndFreezeParameters',
        actions: ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter'],
        resources: parameterResources,
      }),
    );
    if (zones.length > 0) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ReadRecords',
          actions: ['route53:ListResourceRecordSets'],
          resources: zones.map((z) => `arn:${stack.partition}:route53:::hostedzone/${z}`),
        }),
      );
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'ChangeOnlyTheConfiguredRecords',
          actions: ['route53:ChangeResourceRecordSets'],
          resources: zones.map((z) => `arn:${stack.partition}:route53:::hostedzone/${z}`),
          conditions: {
            'ForAllValues:StringEquals': {
              'route53:ChangeResourceRecordSetsNormalizedRecordNames': recordNames,
              'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
            },
          },
        }),
      );
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'FollowRecordChanges',
          actions: ['route53:GetChange'],
          resources: [recordChanges],
        }),
      );
    }
    fn.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'ReplicaLag', actions: ['cloudwatch:GetMetricData'], resources: ['*'] }),
    );
    // Approval tokens (SecureString), the encrypted topic and evidence objects all use the recovery key.
    props.recoveryKey.grant(fn, 'kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey');
    fn.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'Notify', actions: ['sns:Publish'], resources: [props.alertsTopic.topicArn] }),
    );
    // GetObject: a retried evidence step reads back what its earlier attempt wrote (S3 answered 412).
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'WriteEvidence',
        actions: ['s3:PutObject', 's3:GetObject'],
        resources: [evidenceObjects(fn)],
      }),
    );
  }
  // The validate step picks the manifest version taken before the recovery point, as the drill does.
  failoverFn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ListManifestVersions',
      actions: ['s3:ListBucketVersions'],
      resources: [props.evidenceBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${MANIFEST_PREFIX}*`] } },
    }),
  );
  failoverFn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ReadManifests',
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: [props.evidenceBucket.arnForObjects(`${MANIFEST_PREFIX}*`)],
    }),
  );
  failoverFn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'PromoteReplica',
      actions: ['rds:PromoteReadReplica'],
      resources: replicaIds
        .map((i) => rdsArn(recoveryRegion, 'db', i))
        .concat(replicaIds.length === 0 ? [rdsArn(recoveryRegion, 'db', 'rxdr-no-replica')] : []),
    }),
  );
  failoverFn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'RestoreIntoTheRecoveredIdentifiers',
      actions: ['rds:RestoreDBInstanceToPointInTime', 'rds:AddTagsToResource', 'rds:CreateTenantDatabase'],
      resources: [
        ...recoveredIds.map((i) => rdsArn(recoveryRegion, 'db', i)),
        rdsArn(recoveryRegion, 'auto-backup', '*'),
        ...subnetGroups(recoveryRegion, [
          ...databases.map((d) => d.subnetGroupName),
          props.recoveryNetwork?.subnetGroupName,
        ]),
        rdsArn(recoveryRegion, 'og', '*'),
        rdsArn(recoveryRegion, 'pg', '*'),
        rdsArn(recoveryRegion, 'secgrp', '*'),
      ],
    }),
  );
  failoverFn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ReplicatedAutomatedBackups',
      actions: ['rds:DescribeDBInstanceAutomatedBackups'],
      resources: [
        rdsArn(recoveryRegion, 'auto-backup', '*'),
        ...primaryIds.map((i) => rdsArn(recoveryRegion, 'db', i)),
      ],
    }),
  );
  if (props.recoveryNetwork) {
    failoverFn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'RecoveryNetwork',
        actions: ['ssm:GetParameter'],
        resources: [parameterArn(props.recoveryNetwork.parameterName)],
      }),
    );
  }
  failoverFn.addToRolePolicy(
    new iam.PolicyStatement({ sid: 'QuotaHeadroom', actions: ['rds:DescribeAccountAttributes'], resources: ['*'] }),
  );
  const vaultArn = stack.formatArn({
    service: 'backup',
    resource: 'backup-vault',
    resourceName: props.recoveryVaultName,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  failoverFn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'NewestRecoveryPoint',
      actions: ['backup:ListRecoveryPointsByBackupVault'],
      resources: [vaultArn],
    }),
  );
  const recoveryPoints = stack.formatArn({
    service: 'backup',
    resource: 'recovery-point',
    resourceName: '*',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  failoverFn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'RestoreRecoveryPoint',
      actions: ['backup:StartRestoreJob'],
      resources: [recoveryPoints],
    }),
  );
  failoverFn.addToRolePolicy(
    new iam.PolicyStatement({ sid: 'FollowRestoreJob', actions: ['backup:DescribeRestoreJob'], resources: ['*'] }),
  );
  failoverFn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'PassRestoreRoleToBackup',
      actions: ['iam:PassRole'],
      resources: [backupRestoreRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } },
    }),
  );
  props.validator.grantInvoke(failoverFn);
  grantClusterRunbookPermissions(scope, {
    catalog: permissions.catalog,
    primaryRegion: props.primaryRegion,
    failoverFn,
    failbackFn,
  });

  failbackFn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ReplicaInThePrimaryRegion',
      actions: ['rds:CreateDBInstanceReadReplica', 'rds:AddTagsToResource'],
      resources: [
        ...failbackIds.map((i) => rdsArn(props.primaryRegion, 'db', i)),
        ...recoveryDbArns,
        ...subnetGroups(
          props.primaryRegion,
          databases.map((d) => d.primarySubnetGroupName),
        ),
        rdsArn(props.primaryRegion, 'og', '*'),
        rdsArn(props.primaryRegion, 'pg', '*'),
        rdsArn(props.primaryRegion, 'secgrp', '*'),
      ],
    }),
  );
  failbackFn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'PromoteFailbackReplica',
      actions: ['rds:PromoteReadReplica'],
      resources: failbackIds.map((i) => rdsArn(props.primaryRegion, 'db', i)),
    }),
  );
  // IAM matches KMS permissions on key ARNs: an alias ARN becomes "the primary region's key carrying that alias".
  const aliasMatch = /:alias\/(.+)$/.exec(props.primaryKeyArn);
  const primaryRegionKeys = stack.formatArn({
    service: 'kms',
    region: props.primaryRegion,
    resource: 'key',
    resourceName: '*',
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  const primaryKey = aliasMatch ? primaryRegionKeys : props.primaryKeyArn;
  failbackFn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'EncryptFailbackReplica',
      actions: [
        'kms:DescribeKey',
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'kms:GenerateDataKeyWithoutPlaintext',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
      ],
      resources: [primaryKey],
      ...(aliasMatch
        ? { conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': `alias/${aliasMatch[1]}` } } }
        : {}),
    }),
  );
  // RDS creates the grant for the replica it builds: only grants for AWS resources.
  failbackFn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'RdsGrantsOnFailbackKey',
      actions: ['kms:CreateGrant'],
      resources: [primaryKey],
      conditions: {
        ...(aliasMatch ? { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': `alias/${aliasMatch[1]}` } } : {}),
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
      },
    }),
  );

  // Each finding id is built from the expression its statement uses (see nagName).
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
    ['og', 'pg', 'secgrp'].map((kind) => ({ id: finding(rdsArn(region, kind, '*')), reason: restoreGroups }));
  acknowledge(failoverFn.node.scope as Construct, [
    ...shared,
    ...logStreams(failoverFn),
    {
      id: finding(evidenceObjects(failoverFn)),
      reason: 'one evidence object per database and execution (Object Lock keeps every version)',
    },
    {
      id: finding(rdsArn(recoveryRegion, 'auto-backup', '*')),
      reason: 'replicated automated backups get ids AWS assigns (ab-…); only this account and the recovery region',
    },
    {
      id: finding(recoveryPoints),
      reason:
        'recovery point ids are assigned by AWS Backup; the function lists only the recovery vault and restores its newest point',
    },
    {
      id: finding(props.evidenceBucket.arnForObjects(`${MANIFEST_PREFIX}*`)),
      reason: `manifests are one object per database under ${MANIFEST_PREFIX} (read-only, every version)`,
    },
    ...groupsIn(recoveryRegion),
    {
      id: finding(`${props.validator.functionArn}:*`),
      reason:
        'the validator may be invoked by version or alias (`:*`) besides its unqualified ARN; the function is named',
    },
  ]);
  acknowledge(failbackFn.node.scope as Construct, [
    ...shared,
    ...logStreams(failbackFn),
    {
      id: finding(evidenceObjects(failbackFn)),
      reason: 'one evidence object per database and execution (Object Lock keeps every version)',
    },
    ...groupsIn(props.primaryRegion),
    {
      id: finding(primaryRegionKeys),
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
