import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { acknowledgeWildcardResources } from '../../compliance/acknowledgements';
import type { CatalogInput } from '../../../engines/failover/catalog';
import { rebuiltGlobalIdentifier } from '../../../engines/failover/cluster/rebuild-names';

const FAILOVER_TAG = 'rxdr:failover-execution';

/**
 * The failback of a detached Aurora secondary: create the named global database `<global>-fb` from the named
 * detached secondary (recovery region), the named secondary cluster `<primary>-fb` in it in the primary region and
 * its instance (same identifier), both only with the execution's tag, and switch the new global database over to
 * it. Nothing here can change or delete the old primary cluster or its global database. The primary region's key
 * grants (the new secondary is encrypted with it) are the failback replica's (`runbook-permissions.ts`).
 */
export function grantClusterFailbackRebuild(
  scope: Construct,
  props: { readonly catalog: CatalogInput; readonly primaryRegion: string; readonly failbackFn: lambda.IFunction },
): void {
  const globals = props.catalog.databases.flatMap((d) =>
    d.cluster?.globalClusterIdentifier && d.cluster.secondaryClusterIdentifier
      ? [{ db: d, global: d.cluster.globalClusterIdentifier, secondary: d.cluster.secondaryClusterIdentifier }]
      : [],
  );
  if (globals.length === 0) return;
  const stack = Stack.of(scope);
  const rds = (region: string, resource: string, name: string) =>
    stack.formatArn({ service: 'rds', region, resource, resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const primary = (resource: string, name: string) => rds(props.primaryRegion, resource, name);
  const rebuilt = globals.map((g) => rds('', 'global-cluster', rebuiltGlobalIdentifier(g.global)));
  const detached = globals.map((g) => rds(stack.region, 'cluster', g.secondary));
  const built = globals.map((g) => g.db.failbackInstanceIdentifier);
  const builtClusters = built.map((id) => primary('cluster', id));
  const builtInstances = built.map((id) => primary('db', id));
  const tagged = { StringLike: { [`aws:RequestTag/${FAILOVER_TAG}`]: '*' } };
  const fn = props.failbackFn;
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'RebuildGlobalDatabaseFromDetachedSecondary',
      actions: ['rds:CreateGlobalCluster'],
      resources: [...rebuilt, ...detached],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'RebuildCreatesTaggedSecondary',
      actions: ['rds:CreateDBCluster', 'rds:CreateDBInstance', 'rds:AddTagsToResource'],
      resources: [...rebuilt, ...builtClusters, ...builtInstances],
      conditions: tagged,
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'RebuildSecondaryNetworkAndParameters',
      actions: ['rds:CreateDBCluster', 'rds:CreateDBInstance'],
      resources: [primary('subgrp', '*'), primary('cluster-pg', '*'), primary('pg', '*'), primary('og', '*')],
    }),
  );
  acknowledgeWildcardResources(
    fn.node.scope as Construct,
    [primary('subgrp', '*'), primary('cluster-pg', '*'), primary('pg', '*'), primary('og', '*')],
    'the new secondary takes the old primary cluster its subnet group and cluster parameter group, and its instance ' +
      'the default groups, named by whoever created that cluster; limited to this account and the primary region, ' +
      'while the cluster and instance created are named and tag-fenced',
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'RebuildDescribesWhatItBuilds',
      actions: ['rds:DescribeDBClusters', 'rds:DescribeDBInstances', 'rds:DescribeGlobalClusters'],
      resources: [...rebuilt, ...builtClusters, ...builtInstances],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'RebuildSwitchesOverToTheNewSecondary',
      actions: ['rds:SwitchoverGlobalCluster'],
      resources: [...rebuilt, ...builtClusters],
    }),
  );
}
