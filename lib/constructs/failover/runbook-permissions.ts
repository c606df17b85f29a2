import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { CatalogInput } from '../../../engines/failover/catalog';
import { MANIFEST_PREFIX } from '../../../engines/common/manifest-key';
import type { FailoverRunbooksProps } from './failover-runbooks';
import { acknowledgeRunbookPermissions } from './runbook-acknowledgements';
import { RunbookArns } from './runbook-arns';
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
  const { runbooks: props, failoverFn, failbackFn, backupRestoreRole } = permissions;
  const databases = permissions.catalog.databases;
  const arns = new RunbookArns(scope, permissions);
  const { stack, recoveryRegion, primaryIds, replicaIds, recoveredIds, failbackIds, recoveryDbArns } = arns;
  const { primaryDbArns, secretArns, endpointParameters, zones, recordNames } = arns;
  const { approvalTokens, writeFreezeFlags, recordChanges, recoveryPoints, primaryKey } = arns;
  for (const fn of [failoverFn, failbackFn]) {
    // An environment of clusters only has no instance to describe (its clusters' statements are their own).
    if (recoveryDbArns.length + primaryDbArns.length > 0)
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
    const parameterResources = [
      ...endpointParameters.map((name) => arns.parameter(name)),
      approvalTokens,
      writeFreezeFlags,
    ];
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
        resources: [arns.evidenceObjects(fn)],
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
        .map((i) => arns.rds(recoveryRegion, 'db', i))
        .concat(replicaIds.length === 0 ? [arns.rds(recoveryRegion, 'db', 'rxdr-no-replica')] : []),
    }),
  );
  failoverFn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'RestoreIntoTheRecoveredIdentifiers',
      actions: ['rds:RestoreDBInstanceToPointInTime', 'rds:AddTagsToResource', 'rds:CreateTenantDatabase'],
      resources: [
        ...recoveredIds.map((i) => arns.rds(recoveryRegion, 'db', i)),
        arns.rds(recoveryRegion, 'auto-backup', '*'),
        ...arns.subnetGroups(recoveryRegion, [
          ...databases.map((d) => d.subnetGroupName),
          props.recoveryNetwork?.subnetGroupName,
        ]),
        arns.rds(recoveryRegion, 'og', '*'),
        arns.rds(recoveryRegion, 'pg', '*'),
        arns.rds(recoveryRegion, 'secgrp', '*'),
      ],
    }),
  );
  failoverFn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ReplicatedAutomatedBackups',
      actions: ['rds:DescribeDBInstanceAutomatedBackups'],
      resources: [
        arns.rds(recoveryRegion, 'auto-backup', '*'),
        ...primaryIds.map((i) => arns.rds(recoveryRegion, 'db', i)),
      ],
    }),
  );
  if (props.recoveryNetwork) {
    failoverFn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'RecoveryNetwork',
        actions: ['ssm:GetParameter'],
        resources: [arns.parameter(props.recoveryNetwork.parameterName)],
      }),
    );
  }
  failoverFn.addToRolePolicy(
    new iam.PolicyStatement({ sid: 'QuotaHeadroom', actions: ['rds:DescribeAccountAttributes'], resources: ['*'] }),
  );
  failoverFn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'NewestRecoveryPoint',
      actions: ['backup:ListRecoveryPointsByBackupVault'],
      resources: [arns.recoveryVault, ...(arns.isolatedVault ? [arns.isolatedVault] : [])],
    }),
  );
  if (props.isolatedSource)
    failoverFn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'LatestBackupReadsVaultDeclaredLost',
        actions: ['ssm:GetParameter'],
        resources: [arns.parameter(props.isolatedSource.declarationParameterName)],
      }),
    );
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
        ...failbackIds.map((i) => arns.rds(props.primaryRegion, 'db', i)),
        ...recoveryDbArns,
        ...arns.subnetGroups(
          props.primaryRegion,
          databases.map((d) => d.primarySubnetGroupName),
        ),
        arns.rds(props.primaryRegion, 'og', '*'),
        arns.rds(props.primaryRegion, 'pg', '*'),
        arns.rds(props.primaryRegion, 'secgrp', '*'),
      ],
    }),
  );
  if (failbackIds.length > 0)
    failbackFn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'PromoteFailbackReplica',
        actions: ['rds:PromoteReadReplica'],
        resources: failbackIds.map((i) => arns.rds(props.primaryRegion, 'db', i)),
      }),
    );
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
      ...(arns.primaryKeyAlias
        ? { conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': arns.primaryKeyAlias } } }
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
        ...(arns.primaryKeyAlias
          ? { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': arns.primaryKeyAlias } }
          : {}),
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
      },
    }),
  );

  acknowledgeRunbookPermissions(permissions, arns);
}
