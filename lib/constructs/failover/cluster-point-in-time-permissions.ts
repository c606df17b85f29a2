import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../../compliance/acknowledgements';
import type { CatalogInput } from '../../../engines/failover/catalog';

const FAILOVER_TAG = 'rxdr:failover-execution';

/**
 * A cluster's point-in-time failover, in the primary region (Aurora restores a cluster to a point in time only in
 * its own region): restore each protected cluster into its restored identifier there, carrying the failover's tag,
 * and give it its one instance (same identifier). The restore reads the source cluster; it creates only the named
 * restored cluster and instance, and only tagged with the failover execution.
 */
export function grantClusterPointInTime(
  scope: Construct,
  props: { readonly catalog: CatalogInput; readonly primaryRegion: string; readonly failoverFn: lambda.IFunction },
): void {
  const clusters = props.catalog.databases.flatMap((d) => (d.cluster ? [d.cluster] : []));
  if (clusters.length === 0) return;
  const stack = Stack.of(scope);
  const rds = (resource: string, name: string) =>
    stack.formatArn({
      service: 'rds',
      region: props.primaryRegion,
      resource,
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  const restored = clusters.map((c) => c.recoveredClusterIdentifier);
  const sources = clusters.map((c) => rds('cluster', c.primaryClusterIdentifier));
  const restoredClusters = restored.map((id) => rds('cluster', id));
  const restoredInstances = restored.map((id) => rds('db', id));
  const tagged = { StringLike: { [`aws:RequestTag/${FAILOVER_TAG}`]: '*' } };
  const fn = props.failoverFn;
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'PointInTimeRestoreReadsTheSourceCluster',
      actions: ['rds:RestoreDBClusterToPointInTime'],
      resources: [...sources, rds('subgrp', '*'), rds('cluster-pg', '*')],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'PointInTimeRestoreCreatesTaggedClusters',
      actions: ['rds:RestoreDBClusterToPointInTime', 'rds:CreateDBInstance', 'rds:AddTagsToResource'],
      resources: [...restoredClusters, ...restoredInstances],
      conditions: tagged,
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'PointInTimeRestoredClusterInstance',
      actions: ['rds:CreateDBInstance'],
      resources: [rds('pg', '*'), rds('og', '*'), rds('subgrp', '*')],
    }),
  );
  acknowledgeWildcardResources(
    fn.node.scope as Construct,
    [rds('subgrp', '*'), rds('cluster-pg', '*'), rds('pg', '*'), rds('og', '*')],
    'a point-in-time restore keeps the source cluster on its own subnet group and parameter groups, and its ' +
      'instance takes the default groups, named by whoever created the cluster; limited to this account and the ' +
      'primary region, while the cluster and instance created are named and tag-fenced',
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'PointInTimeDescribesTheRestore',
      actions: ['rds:DescribeDBClusters', 'rds:DescribeDBInstances'],
      resources: [...restoredClusters, ...restoredInstances],
    }),
  );
}
