import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TagKeys } from '../../tags';

/** Every instance a drill creates is named like this (mirrors `DRILL_INSTANCE_PREFIX` in the Lambda code). */
export const DRILL_INSTANCE_PREFIX = 'rxdr-drill-';

/**
 * The IAM guard rails of restore drills, as policy statements: the drill may create RDS instances and Aurora
 * clusters only named `rxdr-drill-*` and (where the API carries tags) only with the `rxdr:drill` tag set to one of
 * this state machine's executions; it may delete only instances and clusters carrying that tag; and an explicit
 * deny stops every deleting or modifying call on an instance or cluster without the tag, whatever else allows it.
 */
export class DrillPermissions {
  private readonly stack: Stack;

  constructor(
    scope: Construct,
    /** ARN pattern of the drill state machine's executions: the only values the drill tag may take. */
    readonly executionArnPattern: string,
  ) {
    this.stack = Stack.of(scope);
  }

  rdsArn(resource: string, name: string): string {
    return this.stack.formatArn({
      service: 'rds',
      resource,
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  get drillInstances(): string {
    return this.rdsArn('db', `${DRILL_INSTANCE_PREFIX}*`);
  }

  /** Aurora clusters a drill restores carry the same names as drill instances. */
  get drillClusters(): string {
    return this.rdsArn('cluster', `${DRILL_INSTANCE_PREFIX}*`);
  }

  /** Create with the drill tag only (RDS point-in-time restore, which carries tags). */
  createTagged(actions: string[], otherResources: string[]): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        sid: 'CreateDrillInstancesOnlyWithDrillTag',
        actions,
        resources: [this.drillInstances],
        conditions: {
          StringLike: { [`aws:RequestTag/${TagKeys.drill}`]: this.executionArnPattern },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [TagKeys.drill] },
        },
      }),
      new iam.PolicyStatement({
        sid: 'CreateDrillInstancesFromTheseSources',
        actions,
        resources: otherResources,
      }),
      this.tagOnCreateOrClaim(),
    ];
  }

  /** Tagging: only the drill tag with an execution value, only on drill-named instances and clusters. */
  tagOnCreateOrClaim(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: 'TagDrillInstancesWithDrillTagOnly',
      actions: ['rds:AddTagsToResource'],
      resources: [this.drillInstances, this.drillClusters],
      conditions: {
        StringLike: { [`aws:RequestTag/${TagKeys.drill}`]: this.executionArnPattern },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [TagKeys.drill] },
      },
    });
  }

  /** Delete only what carries the drill tag of one of this state machine's executions. */
  deleteTagged(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: 'DeleteOnlyDrillTaggedInstances',
      actions: ['rds:DeleteDBInstance'],
      resources: [this.rdsArn('db', '*')],
      conditions: { StringLike: { [`rds:db-tag/${TagKeys.drill}`]: this.executionArnPattern } },
    });
  }

  /**
   * A cluster drill's one instance, created with the drill tag inside the drill's own cluster (CreateDBInstance
   * authorizes the cluster it joins: only drill-named clusters).
   */
  createClusterInstance(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        sid: 'CreateDrillClusterInstanceOnlyWithDrillTag',
        actions: ['rds:CreateDBInstance'],
        resources: [this.drillInstances],
        conditions: {
          StringLike: { [`aws:RequestTag/${TagKeys.drill}`]: this.executionArnPattern },
          'ForAllValues:StringEquals': { 'aws:TagKeys': [TagKeys.drill] },
        },
      }),
      new iam.PolicyStatement({
        sid: 'CreateDrillClusterInstanceInDrillClusters',
        actions: ['rds:CreateDBInstance'],
        resources: [this.drillClusters, this.rdsArn('pg', '*'), this.rdsArn('og', '*')],
      }),
    ];
  }

  /** Delete only clusters that carry the drill tag of one of this state machine's executions. */
  deleteTaggedClusters(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: 'DeleteOnlyDrillTaggedClusters',
      actions: ['rds:DeleteDBCluster'],
      resources: [this.rdsArn('cluster', '*')],
      conditions: { StringLike: { [`rds:cluster-tag/${TagKeys.drill}`]: this.executionArnPattern } },
    });
  }

  /** Belt and braces: no deleting or modifying call on an instance without the drill tag, ever. */
  denyUntagged(): iam.PolicyStatement[] {
    return [
      new iam.PolicyStatement({
        sid: 'DenyTouchingInstancesWithoutDrillTag',
        effect: iam.Effect.DENY,
        actions: [
          'rds:DeleteDBInstance',
          'rds:ModifyDBInstance',
          'rds:RebootDBInstance',
          'rds:StopDBInstance',
          'rds:PromoteReadReplica',
          'rds:RemoveTagsFromResource',
        ],
        resources: [this.rdsArn('db', '*')],
        conditions: { Null: { [`rds:db-tag/${TagKeys.drill}`]: 'true' } },
      }),
      new iam.PolicyStatement({
        sid: 'DenyTouchingClustersWithoutDrillTag',
        effect: iam.Effect.DENY,
        actions: [
          'rds:DeleteDBCluster',
          'rds:ModifyDBCluster',
          'rds:FailoverDBCluster',
          'rds:StopDBCluster',
          'rds:PromoteReadReplicaDBCluster',
          'rds:RemoveFromGlobalCluster',
          'rds:RemoveTagsFromResource',
        ],
        resources: [this.rdsArn('cluster', '*')],
        conditions: { Null: { [`rds:cluster-tag/${TagKeys.drill}`]: 'true' } },
      }),
      new iam.PolicyStatement({
        sid: 'DenyRemovingTheDrillTag',
        effect: iam.Effect.DENY,
        actions: ['rds:RemoveTagsFromResource'],
        resources: [this.rdsArn('db', '*'), this.rdsArn('cluster', '*')],
        conditions: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': [TagKeys.drill] } },
      }),
    ];
  }

  describeInstances(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: 'DescribeInstances',
      actions: ['rds:DescribeDBInstances'],
      resources: [this.rdsArn('db', '*')],
    });
  }

  describeClusters(): iam.PolicyStatement {
    return new iam.PolicyStatement({
      sid: 'DescribeClusters',
      actions: ['rds:DescribeDBClusters'],
      resources: [this.rdsArn('cluster', '*')],
    });
  }
}
