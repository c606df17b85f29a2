import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { CatalogInput, Strategy } from '../../../engines/failover/catalog';
import { MANIFEST_PREFIX } from '../../../engines/common/manifest-key';
import { failbackDefinition, failoverDefinition } from './definitions';
import { secretResourceArn } from './failover-validator';
import { acknowledgeManagedPolicy, wildcardResourceFinding } from '../../compliance/acknowledgements';
import { ManagedPolicyRole } from '../managed-policy-role';
import { RunbookFunction } from './runbook-function';

/** One protected database as the runbooks see it. */
export interface RunbookDatabase {
  readonly name: string;
  /** 1 critical, 2 important, 3 deferrable. */
  readonly tier: 1 | 2 | 3;
  readonly rtoMinutes: number;
  readonly rpoMinutes: number;
  readonly defaultStrategy: Strategy;
  readonly primaryInstanceIdentifier: string;
  /** The cross-region read replica (tier 1). @default - promote-replica is unavailable */
  readonly replicaInstanceIdentifier?: string;
  /** @default `<primaryInstanceIdentifier>-restored` (`-dr` is the read replica) */
  readonly recoveredInstanceIdentifier?: string;
  /** @default `<primaryInstanceIdentifier>-fb` */
  readonly failbackInstanceIdentifier?: string;
  /** @default - the source's class */
  readonly instanceClass?: string;
  /** Recovery-region subnet group / security groups for restored instances. @default - the default VPC's */
  readonly subnetGroupName?: string;
  readonly securityGroupIds?: string[];
  /** Primary-region subnet group / security groups for the failback replica. */
  readonly primarySubnetGroupName?: string;
  readonly primarySecurityGroupIds?: string[];
  /** The replicated credentials secret in the recovery region (its `host` is repointed). */
  readonly secretArn: string;
  /** A CNAME in a private hosted zone that clients resolve. @default - none */
  readonly route53?: { readonly hostedZoneId: string; readonly recordName: string; readonly ttl?: number };
  /** An SSM parameter holding the endpoint host. @default - none */
  readonly endpointParameterName?: string;
}

export interface FailoverRunbooksProps {
  readonly environmentName: string;
  readonly primaryRegion: string;
  readonly recoveryKey: kms.IKey;
  /** ARN of the primary region's CMK (the failback replica is encrypted with it). */
  readonly primaryKeyArn: string;
  readonly recoveryVaultName: string;
  readonly evidenceBucket: s3.IBucket;
  readonly alertsTopic: sns.ITopic;
  /** The validation engine's function. */
  readonly validator: lambda.IFunction;
  readonly databases: readonly RunbookDatabase[];
  /** Unapproved runs abort after this long. @default Duration.hours(1) */
  readonly approvalTimeout?: Duration;
  /** @default logs.RetentionDays.SIX_YEARS (H5/H6: who started and approved a failover) */
  readonly logRetention?: logs.RetentionDays;
  readonly toolVersion: string;
  /** Names of the state machines. @default - generated */
  readonly failoverStateMachineName?: string;
  readonly failbackStateMachineName?: string;
  readonly approvalParameterPrefix: string;
  readonly writeFreezeParameterPrefix: string;
  /** SSM parameter the CLI reads to find instance ids and the evidence bucket. @default - none */
  readonly catalogParameterName?: string;
  /**
   * Where restores land, published by the stack that owns the recovery database network (it deploys after the
   * runbooks): the SSM parameter the failover reads at run time and the subnet group it names, for IAM.
   * @default - each database's `subnetGroupName`/`securityGroupIds`
   */
  readonly recoveryNetwork?: { readonly parameterName: string; readonly subnetGroupName: string };
}

/**
 * The failover and failback runbooks of one environment, in the recovery region: one Lambda function per
 * runbook (the step logic), a Standard state machine each, and the IAM that lets them touch only the
 * configured instances, records, parameters and secrets.
 */
export class FailoverRunbooks extends Construct {
  readonly failover: sfn.StateMachine;
  readonly failback: sfn.StateMachine;
  readonly failoverFunction: lambda.IFunction;
  readonly failbackFunction: lambda.IFunction;
  readonly backupRestoreRole: iam.Role;
  readonly catalog: CatalogInput;

  constructor(scope: Construct, id: string, props: FailoverRunbooksProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const problems: string[] = [];
    if (props.databases.length === 0) problems.push('databases: at least one database is required');
    const approvalTimeout = props.approvalTimeout ?? Duration.hours(1);
    if (
      !approvalTimeout.isUnresolved() &&
      (approvalTimeout.toSeconds() < 1 || approvalTimeout.toSeconds() > 7 * 24 * 3600)
    ) {
      problems.push(`approvalTimeout must be between 1 second and 7 days, got ${approvalTimeout.toHumanString()}`);
    }
    for (const db of props.databases) {
      if (db.defaultStrategy === 'promote-replica' && !db.replicaInstanceIdentifier)
        problems.push(`databases.${db.name}: defaultStrategy promote-replica needs replicaInstanceIdentifier`);
    }
    if (problems.length > 0) throw new Error(`FailoverRunbooks ${this.node.path}: ${problems.join('; ')}`);
    const retention = props.logRetention ?? logs.RetentionDays.SIX_YEARS;
    const recoveryRegion = stack.region;

    const restorePolicy = iam.ManagedPolicy.fromAwsManagedPolicyName(
      'service-role/AWSBackupServiceRolePolicyForRestores',
    );
    this.backupRestoreRole = new iam.Role(this, 'BackupRestoreRole', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      }),
      description: 'AWS Backup restores the newest recovery point during a latest-backup failover',
      managedPolicies: [restorePolicy],
    });

    const databases = props.databases.map((db) => ({
      name: db.name,
      tier: db.tier,
      rtoSeconds: db.rtoMinutes * 60,
      rpoSeconds: db.rpoMinutes * 60,
      defaultStrategy: db.defaultStrategy,
      primaryInstanceIdentifier: db.primaryInstanceIdentifier,
      ...(db.replicaInstanceIdentifier ? { replicaInstanceIdentifier: db.replicaInstanceIdentifier } : {}),
      recoveredInstanceIdentifier: db.recoveredInstanceIdentifier ?? `${db.primaryInstanceIdentifier}-restored`,
      failbackInstanceIdentifier: db.failbackInstanceIdentifier ?? `${db.primaryInstanceIdentifier}-fb`,
      ...(db.instanceClass ? { instanceClass: db.instanceClass } : {}),
      ...(db.subnetGroupName ? { subnetGroupName: db.subnetGroupName } : {}),
      securityGroupIds: db.securityGroupIds ?? [],
      ...(db.primarySubnetGroupName ? { primarySubnetGroupName: db.primarySubnetGroupName } : {}),
      primarySecurityGroupIds: db.primarySecurityGroupIds ?? [],
      port: 5432,
      repoint: {
        secretArn: db.secretArn,
        ...(db.route53
          ? {
              route53: {
                hostedZoneId: db.route53.hostedZoneId,
                recordName: db.route53.recordName,
                ttl: db.route53.ttl ?? 30,
              },
            }
          : {}),
        ...(db.endpointParameterName ? { parameterName: db.endpointParameterName } : {}),
      },
    }));
    this.catalog = {
      environment: props.environmentName,
      account: stack.account,
      primaryRegion: props.primaryRegion,
      recoveryRegion,
      recoveryKeyArn: props.recoveryKey.keyArn,
      primaryKeyArn: props.primaryKeyArn,
      recoveryVaultName: props.recoveryVaultName,
      backupRestoreRoleArn: this.backupRestoreRole.roleArn,
      evidenceBucket: props.evidenceBucket.bucketName,
      topicArn: props.alertsTopic.topicArn,
      validatorFunctionName: props.validator.functionName,
      approvalParameterPrefix: props.approvalParameterPrefix,
      probeConnectivity: false,
      writeFreezeParameterPrefix: props.writeFreezeParameterPrefix,
      toolVersion: props.toolVersion,
      ...(props.recoveryNetwork ? { recoveryNetworkParameterName: props.recoveryNetwork.parameterName } : {}),
      databases,
    };

    const failoverFn = new RunbookFunction(this, 'FailoverSteps', {
      operation: 'failover',
      catalog: this.catalog,
      key: props.recoveryKey,
      logRetention: retention,
    }).function;
    const failbackFn = new RunbookFunction(this, 'FailbackSteps', {
      operation: 'failback',
      catalog: this.catalog,
      key: props.recoveryKey,
      logRetention: retention,
    }).function;
    this.failoverFunction = failoverFn;
    this.failbackFunction = failbackFn;

    // ---- permissions, scoped to the configured resources ----
    const rdsArn = (region: string, resource: string, name: string) =>
      stack.formatArn({
        service: 'rds',
        region,
        resource,
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const primaryIds = databases.map((d) => d.primaryInstanceIdentifier);
    const replicaIds = databases.flatMap((d) => (d.replicaInstanceIdentifier ? [d.replicaInstanceIdentifier] : []));
    const recoveredIds = databases.map((d) => d.recoveredInstanceIdentifier);
    const failbackIds = databases.map((d) => d.failbackInstanceIdentifier);
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
        resources: [this.backupRestoreRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } },
      }),
    );
    props.validator.grantInvoke(failoverFn);

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
      this.backupRestoreRole,
      restorePolicy,
      'AWS Backup restore roles use the AWS-maintained restore policy, which tracks the permissions each resource type needs',
    );

    const machine = (name: string, definition: sfn.IChainable, stateMachineName: string | undefined) => {
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        retention,
        encryptionKey: props.recoveryKey,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      const role = new ManagedPolicyRole(this, `${name}Role`, {
        assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
        description: `rxdr ${props.environmentName} ${name.toLowerCase()} state machine`,
      });
      const sm = new sfn.StateMachine(this, name, {
        role,
        definitionBody: sfn.DefinitionBody.fromChainable(definition),
        ...(stateMachineName ? { stateMachineName } : {}),
        stateMachineType: sfn.StateMachineType.STANDARD,
        timeout: Duration.hours(24),
        tracingEnabled: true,
        logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
        encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.recoveryKey),
      });
      const fn = name === 'Failover' ? failoverFn : failbackFn;
      acknowledge(role, [
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSamplingRules/Targets) and CloudWatch Logs vended log delivery (logs:CreateLogDelivery and friends) support no resource-level permissions',
        },
        {
          id: finding(`${fn.functionArn}:*`),
          reason:
            "Step Functions may invoke the runbook function's versions and aliases (`:*`) besides its unqualified ARN; the function is named",
        },
      ]);
      return sm;
    };
    this.failover = machine(
      'Failover',
      failoverDefinition(this, failoverFn, approvalTimeout),
      props.failoverStateMachineName,
    );
    this.failback = machine(
      'Failback',
      failbackDefinition(this, failbackFn, approvalTimeout),
      props.failbackStateMachineName,
    );

    if (props.catalogParameterName) {
      new ssm.StringParameter(this, 'CatalogParameter', {
        parameterName: props.catalogParameterName,
        description: `rxdr ${props.environmentName}: what the CLI needs to find the runbooks and their resources`,
        stringValue: stack.toJsonString({
          failoverStateMachineArn: this.failover.stateMachineArn,
          failbackStateMachineArn: this.failback.stateMachineArn,
          evidenceBucket: props.evidenceBucket.bucketName,
          approvalParameterPrefix: props.approvalParameterPrefix,
          databases: databases.map((d) => ({
            name: d.name,
            primary: d.primaryInstanceIdentifier,
            replica: d.replicaInstanceIdentifier ?? null,
            recovered: d.recoveredInstanceIdentifier,
            rpoSeconds: d.rpoSeconds,
            rtoSeconds: d.rtoSeconds,
          })),
        }),
      });
    }
  }
}

function acknowledge(scope: Construct, findings: { id: string; reason: string }[]): void {
  for (const finding of findings) Validations.of(scope).acknowledge(finding);
}
