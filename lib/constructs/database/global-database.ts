import { CfnDeletionPolicy } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { ReferenceCluster } from './reference-cluster';

export interface GlobalDatabaseProps {
  /** Identifier of the global cluster (no region: it spans the primary and the recovery region). */
  readonly globalClusterIdentifier: string;
  /** The primary cluster the global database is built from (it keeps its data, key and settings). */
  readonly primary: ReferenceCluster;
}

/**
 * An Aurora Global Database around a reference cluster, in the primary region: the recovery region's
 * secondary cluster (`SecondaryCluster`, standby stack) joins it by identifier. Storage-level replication
 * keeps the secondary about a second behind; deletion protection and `RETAIN` keep a stack change from
 * dissolving it.
 */
export class GlobalDatabase extends Construct {
  readonly globalCluster: rds.CfnGlobalCluster;
  readonly globalClusterIdentifier: string;

  constructor(scope: Construct, id: string, props: GlobalDatabaseProps) {
    super(scope, id);
    if (!/^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}$/.test(props.globalClusterIdentifier))
      throw new Error(
        `GlobalDatabase ${this.node.path}: globalClusterIdentifier must be 1-63 letters, digits or "-" starting with a letter, got "${props.globalClusterIdentifier}"`,
      );
    this.globalClusterIdentifier = props.globalClusterIdentifier;
    this.globalCluster = new rds.CfnGlobalCluster(this, 'GlobalCluster', {
      globalClusterIdentifier: props.globalClusterIdentifier,
      sourceDbClusterIdentifier: props.primary.clusterArn,
      deletionProtection: true,
    });
    this.globalCluster.node.addDependency(props.primary.cluster);
    this.globalCluster.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN;
    this.globalCluster.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.RETAIN;
  }
}
