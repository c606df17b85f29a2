import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledgeWildcardResources } from '../../compliance/acknowledgements';
import { MANIFEST_PREFIX } from '../../../engines/common/manifest-key';
import { chunkResultsPrefix } from '../../../engines/common/chunk-key';
import type { DrillFunction } from './drill-function';
import type { DrillPermissions } from './drill-permissions';
import type { RestoreDrill } from './restore-drill';
import type { RestoreDrillProps } from './restore-drill-props';

/** What each drill function may do, statement by statement, each scoped to what its step touches. */
export function grantDrillFunctions(drill: RestoreDrill, props: RestoreDrillProps, guard: DrillPermissions): void {
  const f = drill.functions;
  const add = (fn: DrillFunction, ...statements: iam.PolicyStatement[]) => {
    for (const statement of statements) fn.role.addToPrincipalPolicy(statement);
  };
  const all = Object.values(f);
  for (const fn of all) add(fn, ...guard.denyUntagged());
  const stack = Stack.of(drill);
  const recoveryPoints = recoveryPointsOf(stack);
  const sourceArns = [...new Set(props.databases.map((d) => d.sourceArn))];

  add(
    f.PickSource,
    new iam.PolicyStatement({
      sid: 'ListRecoveryPoints',
      actions: ['backup:ListRecoveryPointsByBackupVault'],
      resources: [props.vault.backupVaultArn, ...(props.isolatedVault ? [props.isolatedVault.vaultArn] : [])],
    }),
    new iam.PolicyStatement({
      sid: 'DescribeRecoveryPoint',
      actions: ['backup:DescribeRecoveryPoint'],
      resources: [recoveryPoints],
    }),
    new iam.PolicyStatement({
      sid: 'ReplicatedAutomatedBackups',
      actions: ['rds:DescribeDBInstanceAutomatedBackups'],
      resources: [guard.rdsArn('auto-backup', '*'), ...sourceArns],
    }),
  );
  if (props.vaultLostParameterName)
    add(
      f.PickSource,
      new iam.PolicyStatement({
        sid: 'ReadWhetherTheRecoveryVaultIsDeclaredLost',
        actions: ['ssm:GetParameter'],
        resources: [
          stack.formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: props.vaultLostParameterName.replace(/^\//, ''),
          }),
        ],
      }),
    );
  add(
    f.StartRestore,
    guard.describeInstances(),
    ...guard.createTagged(
      ['rds:RestoreDBInstanceToPointInTime'],
      [
        guard.rdsArn('auto-backup', '*'),
        guard.rdsArn('subgrp', drill.network.subnetGroup.subnetGroupName),
        guard.rdsArn('og', '*'),
        guard.rdsArn('pg', '*'),
        ...sourceArns,
      ],
    ),
    new iam.PolicyStatement({
      sid: 'StartBackupRestoreJob',
      actions: ['backup:StartRestoreJob'],
      resources: [recoveryPoints],
    }),
    new iam.PolicyStatement({
      sid: 'PassRestoreRoleToBackup',
      actions: ['iam:PassRole'],
      resources: [drill.restoreRole.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } },
    }),
  );
  // Describe/claim on the way; DescribeRestoreJob has no resource-level permissions.
  const describeJob = new iam.PolicyStatement({
    sid: 'DescribeRestoreJob',
    actions: ['backup:DescribeRestoreJob'],
    resources: ['*'],
  });
  for (const fn of [f.CheckRestore, f.Validate, f.RequestCleanup, f.CheckCleanup])
    add(fn, guard.describeInstances(), describeJob);
  for (const fn of [f.CheckRestore, f.RequestCleanup, f.CheckCleanup]) add(fn, guard.tagOnCreateOrClaim());
  for (const fn of [f.RequestCleanup, f.CheckCleanup]) add(fn, guard.deleteTagged());
  if (hasClusters(props)) {
    // Cluster drills: CheckRestore adds the one instance; cleanup deletes it and then the cluster.
    for (const fn of [f.CheckRestore, f.Validate, f.RequestCleanup, f.CheckCleanup]) add(fn, guard.describeClusters());
    add(f.CheckRestore, ...guard.createClusterInstance());
    for (const fn of [f.RequestCleanup, f.CheckCleanup]) add(fn, guard.deleteTaggedClusters());
  }
  const secrets = props.databases.map((d) =>
    d.secretId.startsWith('arn:')
      ? d.secretId
      : stack.formatArn({
          service: 'secretsmanager',
          resource: 'secret',
          resourceName: `${d.secretId}-??????`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
  );
  const bucket = props.evidenceBucket;
  for (const fn of [f.PlanChunks, f.ValidateChunk, f.Validate]) {
    add(
      fn,
      new iam.PolicyStatement({
        sid: 'ReadReplicatedCredentials',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [...new Set(secrets)],
      }),
      // Manifests: every version of manifests/<database>.json (the newest taken before the recovery point).
      new iam.PolicyStatement({
        sid: 'ReadManifests',
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [bucket.arnForObjects(`${MANIFEST_PREFIX}*`)],
      }),
    );
  }
  for (const fn of [f.PlanChunks, f.Validate])
    add(
      fn,
      new iam.PolicyStatement({
        sid: 'ListManifestVersions',
        actions: ['s3:ListBucketVersions'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${MANIFEST_PREFIX}*`] } },
      }),
    );
  for (const fn of [f.PlanChunks, f.ValidateChunk]) add(fn, guard.describeInstances());
  grantChunkResults(drill, props);
  // Evidence of drill environment: the previous drills' durations (Plan) and the new documents (RecordEvidence).
  const evidencePrefix = `${props.environmentName}/`;
  add(
    f.Plan,
    new iam.PolicyStatement({
      sid: 'ListEvidence',
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${evidencePrefix}*`] } },
    }),
    new iam.PolicyStatement({
      sid: 'ReadEvidence',
      actions: ['s3:GetObject'],
      resources: [bucket.arnForObjects(`${evidencePrefix}*`)],
    }),
  );
  // A first drill of an instance without a configured size reads the source's AllocatedStorage (its own region).
  const unsizedInstances = props.databases.filter((d) => d.kind !== 'cluster' && !d.allocatedBytes);
  if (unsizedInstances.length > 0)
    add(
      f.Plan,
      new iam.PolicyStatement({
        sid: 'ReadSourceAllocatedStorage',
        actions: ['rds:DescribeDBInstances'],
        resources: [...new Set(unsizedInstances.map((d) => d.sourceArn))],
      }),
    );
  // GetObject: a retried RecordEvidence reads back what its earlier attempt wrote (S3 answered 412).
  add(
    f.RecordEvidence,
    new iam.PolicyStatement({
      sid: 'WriteEvidence',
      actions: ['s3:PutObject', 's3:GetObject'],
      resources: [bucket.arnForObjects(`${evidencePrefix}*`)],
    }),
  );
  for (const fn of [f.Validate, f.Plan]) props.key.grant(fn.role, 'kms:Decrypt');
  for (const fn of [f.PlanChunks, f.ValidateChunk]) props.key.grant(fn.role, 'kms:Decrypt', 'kms:GenerateDataKey');
  props.key.grant(f.RecordEvidence.role, 'kms:GenerateDataKey', 'kms:Decrypt');
  add(
    f.RecordEvidence,
    new iam.PolicyStatement({
      sid: 'ReportRestoreValidation',
      actions: ['backup:PutRestoreValidationResult'],
      resources: ['*'],
    }),
  );
  publish(f.Notify.role, props);
}

/**
 * The wildcard resources left after scoping, each acknowledged on the one role that needs it, with why.
 * (No wildcard actions: every statement names its actions.)
 */
export function acknowledgeDrillWildcards(
  drill: RestoreDrill,
  props: RestoreDrillProps,
  guard: DrillPermissions,
): void {
  const f = drill.functions;
  // Built from the expressions the statements use, so that they match however the stack renders ARNs.
  const ack = (role: iam.IRole, resource: string, reason: string) =>
    acknowledgeWildcardResources(role, [resource], reason);
  const rds = (resource: string, name: string) => guard.rdsArn(resource, name);
  const noResourceLevel = (actions: string) =>
    `${actions} support no resource-level permissions (Service Authorization Reference: resource type column empty), so the statement names these actions only`;
  const drillInstances =
    'drill instances are named rxdr-drill-<database>-<hash of the execution> at run time; the ' +
    'create statements also require the rxdr:drill request tag (an execution of drill state ' +
    'machine), and delete/modify are denied on anything without it';
  const anyDb =
    'describe, tag-conditioned delete and the explicit deny on untagged instances must match every instance ARN (db:*): the conditions (rds:db-tag/rxdr:drill, Null deny) do the scoping';
  ack(drill.restoreRole, guard.drillInstances, drillInstances);
  ack(drill.restoreRole, rds('db', '*'), anyDb);
  ack(
    drill.restoreRole,
    rds('snapshot', '*'),
    "AWS Backup restores from the recovery point's snapshot, whose identifier (awsbackup:job-…) is known only when the recovery point is chosen at run time",
  );
  for (const role of [drill.restoreRole, f.StartRestore.role]) {
    ack(
      role,
      rds('og', '*'),
      'RestoreDBInstance* authorizes the option group the snapshot carries (default:postgres-<major>), which depends on the engine version of the recovery point',
    );
    ack(
      role,
      rds('pg', '*'),
      "RestoreDBInstance* authorizes the parameter group the source used (the reference instance's group or an adopter's), which the drill does not know at synth",
    );
  }
  for (const fn of [f.StartRestore, f.CheckRestore, f.RequestCleanup, f.CheckCleanup]) {
    ack(fn.role, guard.drillInstances, drillInstances);
    ack(
      fn.role,
      guard.drillClusters,
      'the claim tags only the drill tag, only on drill-named clusters (rxdr-drill-<database>-<hash>, named at run time)',
    );
  }
  if (hasClusters(props)) acknowledgeClusterWildcards(drill, guard);
  ack(
    drill.sweeper.role,
    rds('cluster', '*'),
    'the sweeper lists every cluster (cluster:*) and deletes only those whose rxdr:drill tag names one of this ' +
      "state machine's executions (rds:cluster-tag condition); untagged clusters are denied",
  );
  const connecting = [f.PlanChunks, f.ValidateChunk, f.Validate];
  for (const fn of [f.StartRestore, f.CheckRestore, ...connecting, f.RequestCleanup, f.CheckCleanup, drill.sweeper])
    ack(fn.role, rds('db', '*'), anyDb);
  for (const fn of [f.PickSource, f.StartRestore]) {
    ack(
      fn.role,
      rds('auto-backup', '*'),
      'replicated automated backups get an ARN (auto-backup:ab-…) from RDS when replication starts; the statement also names the source instance ARNs',
    );
    ack(
      fn.role,
      recoveryPointsOf(Stack.of(drill)),
      'recovery point ids are created by every backup job; the vault is named in ListRecoveryPointsByBackupVault, and the drill refuses a recovery point of another resource',
    );
  }
  const describeJob = noResourceLevel('backup:DescribeRestoreJob');
  for (const fn of [f.CheckRestore, f.Validate, f.RequestCleanup, f.CheckCleanup]) ack(fn.role, '*', describeJob);
  ack(f.RecordEvidence.role, '*', noResourceLevel('backup:PutRestoreValidationResult'));
  const manifests = `manifests are one object per database under ${MANIFEST_PREFIX} (read-only, every version)`;
  for (const fn of connecting) ack(fn.role, props.evidenceBucket.arnForObjects(`${MANIFEST_PREFIX}*`), manifests);
  const chunkResults =
    `a chunked validation keeps its plan and chunk verdicts under ${chunkResultsOf(props)}<run>/<database>/, ` +
    'keys made per execution at run time; access is limited to the environment prefix';
  for (const fn of connecting)
    ack(fn.role, props.evidenceBucket.arnForObjects(`${chunkResultsOf(props)}*`), chunkResults);
  const evidence =
    `evidence documents are keyed <environment>/<database>/<start>-drill-<run>.json, one new ` +
    `object per drill (Object Lock: never overwritten); access is limited to drill ` +
    `environment's prefix`;
  for (const fn of [f.Plan, f.RecordEvidence])
    ack(fn.role, props.evidenceBucket.arnForObjects(`${props.environmentName}/*`), evidence);
}

/** Whether the fleet holds an Aurora cluster (its statements are added only then). */
export function hasClusters(props: RestoreDrillProps): boolean {
  return props.databases.some((d) => d.kind === 'cluster');
}

/** The wildcard resources of cluster drills, each on the role that needs it, with why. */
function acknowledgeClusterWildcards(drill: RestoreDrill, guard: DrillPermissions): void {
  const f = drill.functions;
  const drillClusters =
    'drill clusters are named rxdr-drill-<database>-<hash of the execution> at run time, like drill instances; ' +
    'deleting and modifying a cluster without the rxdr:drill tag is denied';
  const anyCluster =
    'describe and tag-conditioned delete must match every cluster ARN (cluster:*): the condition ' +
    '(rds:cluster-tag/rxdr:drill) and the Null deny on untagged clusters do the scoping';
  acknowledgeWildcardResources(drill.restoreRole, [guard.drillClusters], drillClusters);
  for (const role of [drill.restoreRole, f.CheckRestore.role, f.Validate.role, f.RequestCleanup.role])
    acknowledgeWildcardResources(role, [guard.rdsArn('cluster', '*')], anyCluster);
  acknowledgeWildcardResources(f.CheckCleanup.role, [guard.rdsArn('cluster', '*')], anyCluster);
  acknowledgeWildcardResources(
    drill.restoreRole,
    [guard.rdsArn('cluster-snapshot', '*'), guard.rdsArn('cluster-pg', '*')],
    "AWS Backup restores the cluster from the recovery point's cluster snapshot (awsbackup:job-…, known only at run " +
      'time) with the parameter group the snapshot names',
  );
  acknowledgeWildcardResources(
    f.CheckRestore.role,
    [guard.rdsArn('pg', '*'), guard.rdsArn('og', '*')],
    "CreateDBInstance authorizes the default instance parameter and option groups of the cluster's engine version, " +
      'which depends on the recovery point',
  );
}

/** Publish to the alerts topic, and use its CMK for that (no `kms:GenerateDataKey*` wildcard). */
export function publish(role: iam.IRole, props: Pick<RestoreDrillProps, 'alertsTopic' | 'key'>): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'PublishAlerts',
      actions: ['sns:Publish'],
      resources: [props.alertsTopic.topicArn],
    }),
  );
  props.key.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt');
}

/** Every recovery point of the stack's account and region (ids are assigned by AWS Backup). */
function recoveryPointsOf(stack: Stack): string {
  return stack.formatArn({
    service: 'backup',
    resource: 'recovery-point',
    resourceName: '*',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** `validation-chunks/<environment>/drill/`: the drill's chunk plans and verdicts (not the failover's). */
function chunkResultsOf(props: RestoreDrillProps): string {
  return chunkResultsPrefix('drill', props.environmentName);
}

/**
 * The chunk results under the environment's prefix: PlanChunks writes the plan, each ValidateChunk reads it
 * and writes its verdict, Validate reads them all. Nothing else may read or write there, and nothing deletes.
 */
function grantChunkResults(drill: RestoreDrill, props: RestoreDrillProps): void {
  const f = drill.functions;
  const objects = props.evidenceBucket.arnForObjects(`${chunkResultsOf(props)}*`);
  const statement = (sid: string, actions: string[]) => new iam.PolicyStatement({ sid, actions, resources: [objects] });
  f.PlanChunks.role.addToPrincipalPolicy(statement('WriteChunkPlan', ['s3:PutObject']));
  f.ValidateChunk.role.addToPrincipalPolicy(statement('ReadPlanWriteVerdict', ['s3:GetObject', 's3:PutObject']));
  f.Validate.role.addToPrincipalPolicy(statement('ReadChunkResults', ['s3:GetObject']));
}
