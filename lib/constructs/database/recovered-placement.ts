import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { DatabaseNetwork } from './network';

export interface RecoveredPlacementProps {
  /** The recovery database network (standby stack). */
  readonly network: DatabaseNetwork;
  /** Deterministic name: the runbooks' IAM names exactly this subnet group. */
  readonly subnetGroupName: string;
  /** SSM parameter the failover runbook reads at run time (it deploys before this stack). */
  readonly parameterName: string;
  /** For descriptions. */
  readonly environmentName: string;
}

/**
 * Where a failover's point-in-time or backup restore lands in the recovery region: a subnet group over the
 * recovery database network's isolated subnets and a security group of their own, published as one SSM
 * parameter (`{ subnetGroupName, securityGroupIds, vpcId }`). The runbooks live in the recovery stack, which
 * deploys before this one, so they cannot take these as references: they read the parameter, and preflight
 * blocks a restore when it is missing.
 *
 * The security group allows nothing in by default; whoever must reach a recovered database (the failover
 * validator, the applications) is allowed through `connections`, as for the read replicas.
 */
export class RecoveredPlacement extends Construct {
  readonly subnetGroup: rds.SubnetGroup;
  readonly securityGroup: ec2.SecurityGroup;
  readonly parameter: ssm.StringParameter;

  constructor(scope: Construct, id: string, props: RecoveredPlacementProps) {
    super(scope, id);
    this.subnetGroup = new rds.SubnetGroup(this, 'SubnetGroup', {
      vpc: props.network.vpc,
      vpcSubnets: props.network.subnets,
      subnetGroupName: props.subnetGroupName,
      description: `rxdr ${props.environmentName}: isolated subnets for databases restored by a failover`,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.network.vpc,
      description: `rxdr ${props.environmentName}: databases restored by a failover (point-in-time, latest backup)`,
      allowAllOutbound: false,
    });
    this.parameter = new ssm.StringParameter(this, 'Parameter', {
      parameterName: props.parameterName,
      description: `rxdr ${props.environmentName}: where failover restores land (read by the failover runbook)`,
      stringValue: Stack.of(this).toJsonString({
        subnetGroupName: this.subnetGroup.subnetGroupName,
        securityGroupIds: [this.securityGroup.securityGroupId],
        vpcId: props.network.vpc.vpcId,
      }),
    });
  }
}
