import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { CatalogInput } from '../../../engines/failover/catalog';
import { grantClusterPointInTime } from './cluster-point-in-time-permissions';
import { grantClusterFailbackRebuild } from './cluster-failback-rebuild-permissions';

export interface ClusterRunbookPermissionsProps {
  readonly catalog: CatalogInput;
  readonly primaryRegion: string;
  readonly failoverFn: lambda.IFunction;
  readonly failbackFn: lambda.IFunction;
}

/**
 * What the runbooks may do to the environment's Aurora clusters: describe its clusters and global databases,
 * switch or fail a global database over to its recovery-region secondary or detach that secondary (failover),
 * switch back to the primary cluster (failback) or rebuild the way back from a detached secondary, and give a
 * restored cluster its one instance. Each statement names
 * the configured global clusters and clusters; nothing when the environment protects no cluster.
 */
export function grantClusterRunbookPermissions(scope: Construct, props: ClusterRunbookPermissionsProps): void {
  const clusters = props.catalog.databases.flatMap((d) => (d.cluster ? [d.cluster] : []));
  if (clusters.length === 0) return;
  const stack = Stack.of(scope);
  const recoveryRegion = stack.region;
  const rdsArn = (region: string, resource: string, name: string) =>
    stack.formatArn({ service: 'rds', region, resource, resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  const present = (ids: (string | undefined)[]) => ids.filter((id): id is string => id !== undefined);
  const globalArns = present(clusters.map((c) => c.globalClusterIdentifier)).map((id) =>
    rdsArn('', 'global-cluster', id),
  );
  const primaryArns = clusters.map((c) => rdsArn(props.primaryRegion, 'cluster', c.primaryClusterIdentifier));
  const secondaryArns = present(clusters.map((c) => c.secondaryClusterIdentifier)).map((id) =>
    rdsArn(recoveryRegion, 'cluster', id),
  );
  const recovered = clusters.map((c) => c.recoveredClusterIdentifier ?? `${c.primaryClusterIdentifier}-restored`);
  const recoveredArns = recovered.map((id) => rdsArn(recoveryRegion, 'cluster', id));
  // The restored cluster's one instance shares its identifier (its events end the same wait).
  const writerArns = recovered.map((id) => rdsArn(recoveryRegion, 'db', id));

  for (const fn of [props.failoverFn, props.failbackFn]) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'DescribeProtectedClusters',
        actions: ['rds:DescribeDBClusters'],
        resources: [...primaryArns, ...secondaryArns, ...recoveredArns],
      }),
    );
    if (globalArns.length > 0)
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          sid: 'DescribeGlobalDatabases',
          actions: ['rds:DescribeGlobalClusters'],
          resources: globalArns,
        }),
      );
  }
  if (globalArns.length > 0) {
    props.failoverFn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SwitchGlobalDatabasesToTheRecoveryRegion',
        actions: ['rds:SwitchoverGlobalCluster', 'rds:FailoverGlobalCluster'],
        resources: [...globalArns, ...secondaryArns],
      }),
    );
    // Detach-and-promote: only the recovery-region secondaries leave, only their own global databases.
    props.failoverFn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'DetachSecondariesFromGlobalDatabases',
        actions: ['rds:RemoveFromGlobalCluster'],
        resources: [...globalArns, ...secondaryArns],
      }),
    );
    props.failbackFn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SwitchGlobalDatabasesBack',
        actions: ['rds:SwitchoverGlobalCluster'],
        resources: [...globalArns, ...primaryArns],
      }),
    );
  }
  props.failoverFn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'InstanceOfTheRestoredCluster',
      actions: ['rds:CreateDBInstance', 'rds:AddTagsToResource', 'rds:DescribeDBInstances'],
      resources: [
        ...writerArns,
        ...recoveredArns,
        rdsArn(recoveryRegion, 'pg', '*'),
        rdsArn(recoveryRegion, 'og', '*'),
      ],
    }),
  );
  grantClusterPointInTime(scope, props);
  grantClusterFailbackRebuild(scope, props);
}
