import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { rdsInstanceEventPattern, type WaitedInstances } from './event-waits';
import { ManagedPolicyRole } from './managed-policy-role';

export interface RdsEventForwardingProps {
  /** The instances of this region whose events end waits in the other region. */
  readonly instances: WaitedInstances;
  readonly categories: readonly string[];
  /**
   * The clusters of this region whose cluster events end waits in the other region (a point-in-time failover
   * restores a cluster beside the damaged one), and the cluster event categories that do.
   * @default - no cluster events
   */
  readonly clusters?: { readonly identifiers: readonly string[]; readonly categories: readonly string[] };
  /** What the forwarded events are about (rule and role descriptions). @default 'failback instances' */
  readonly about?: string;
  /** The region whose default event bus holds the rule of the waits ({@link EventWaits}). */
  readonly targetRegion: string;
}

/**
 * EventBridge rules see their own region's events only: a wait in the recovery region on an instance of the
 * primary region (the failback's replica) needs that instance's RDS events sent over. This rule forwards them
 * to the recovery region's default event bus, where the waits' own rule matches them like local events; so does
 * the cluster rule for the clusters a point-in-time failover restores in this region. A
 * forward that fails costs the wait its safety net, nothing else.
 */
export class RdsEventForwarding extends Construct {
  readonly rule: events.Rule;
  readonly clusterRule?: events.Rule;

  constructor(scope: Construct, id: string, props: RdsEventForwardingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const about = props.about ?? 'failback instances';
    const target = events.EventBus.fromEventBusArn(
      this,
      'TargetBus',
      `arn:${stack.partition}:events:${props.targetRegion}:${stack.account}:event-bus/default`,
    );
    // Its PutEvents grant goes into a customer-managed policy (HIPAA/NIST IAMNoInlinePolicy).
    const role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `rxdr: forward RDS events of ${about} to ${props.targetRegion}`,
    });
    this.rule = new events.Rule(this, 'Rule', {
      description: `rxdr: RDS events about ${about}, to the waits in ${props.targetRegion}`,
      eventPattern: rdsInstanceEventPattern(props.instances, props.categories) as events.EventPattern,
      targets: [new eventTargets.EventBus(target, { role })],
    });
    if (props.clusters && props.clusters.identifiers.length > 0)
      this.clusterRule = new events.Rule(this, 'ClusterRule', {
        description: `rxdr: RDS cluster events about ${about}, to the waits in ${props.targetRegion}`,
        eventPattern: {
          source: ['aws.rds'],
          detailType: ['RDS DB Cluster Event'],
          detail: {
            SourceType: ['CLUSTER'],
            SourceIdentifier: [...props.clusters.identifiers],
            EventCategories: [...props.clusters.categories],
          },
        },
        targets: [new eventTargets.EventBus(target, { role })],
      });
  }
}
