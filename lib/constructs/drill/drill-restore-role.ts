import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { ManagedPolicyRole } from '../managed-policy-role';
import type { DrillPermissions } from './drill-permissions';
import { thisAccountsService } from '../service-principal-scope';

export interface DrillRestoreRoleProps {
  /** The recovery key the recovery points and the restored copies are encrypted with. */
  readonly key: kms.IKey;
  /** The drill network's DB subnet group: the only one a restore may place a copy in. */
  readonly subnetGroupName: string;
  /**
   * Whether Aurora clusters are drilled: the role may then restore drill-named clusters too.
   * @default false
   */
  readonly clusters?: boolean;
}

/**
 * The role AWS Backup restores drill copies with (`BackupRestoreRole` in `scope`): it may create drill-named
 * instances (and clusters) only, in the drill network, and nothing untagged.
 */
export function drillRestoreRole(scope: Construct, guard: DrillPermissions, props: DrillRestoreRoleProps): iam.Role {
  const role = new ManagedPolicyRole(scope, 'BackupRestoreRole', {
    assumedBy: thisAccountsService(scope, 'backup.amazonaws.com'),
    description: 'AWS Backup restores drill instances (rxdr-drill-*) into the drill network',
  });
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'RestoreDrillInstancesOnly',
      actions: ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:CreateDBInstance'],
      resources: [
        guard.drillInstances,
        guard.rdsArn('snapshot', '*'),
        guard.rdsArn('subgrp', props.subnetGroupName),
        guard.rdsArn('og', '*'),
        guard.rdsArn('pg', '*'),
      ],
    }),
  );
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'ReadSnapshots',
      actions: ['rds:DescribeDBSnapshots', 'rds:DescribeDBInstances'],
      resources: [guard.rdsArn('snapshot', '*'), guard.rdsArn('db', '*')],
    }),
  );
  if (props.clusters) {
    // Aurora recovery points: AWS Backup restores a drill-named cluster (the drill adds its instance itself).
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RestoreDrillClustersOnly',
        actions: ['rds:RestoreDBClusterFromSnapshot'],
        resources: [
          guard.drillClusters,
          guard.rdsArn('cluster-snapshot', '*'),
          guard.rdsArn('subgrp', props.subnetGroupName),
          guard.rdsArn('cluster-pg', '*'),
        ],
      }),
    );
    role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadClusterSnapshots',
        actions: ['rds:DescribeDBClusterSnapshots', 'rds:DescribeDBClusters'],
        resources: [guard.rdsArn('cluster-snapshot', '*'), guard.rdsArn('cluster', '*')],
      }),
    );
  }
  for (const statement of guard.denyUntagged()) role.addToPolicy(statement);
  props.key.grant(
    role,
    'kms:Decrypt',
    'kms:DescribeKey',
    'kms:GenerateDataKeyWithoutPlaintext',
    'kms:ReEncryptFrom',
    'kms:ReEncryptTo',
  );
  // AWS Backup and RDS create the grant for the instance they restore: only grants for AWS resources.
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'GrantsForRestoredInstances',
      actions: ['kms:CreateGrant'],
      resources: [props.key.keyArn],
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    }),
  );
  return role;
}
