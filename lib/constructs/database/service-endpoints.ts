import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Construct } from 'constructs';
import { accountPerimeter, evidenceObjectsOnly } from './endpoint-policies';

export interface ServiceEndpointsProps {
  /** The database network (isolated subnets: no NAT, no internet gateway). */
  readonly vpc: ec2.IVpc;
  /** Where the interface endpoints and the gateway endpoint's routes go. */
  readonly subnets: ec2.SubnetSelection;
  /**
   * The evidence bucket: the S3 endpoint reaches only its manifests (the manifest job writes them, the validator
   * reads them) and its failover reports (the validator writes them).
   */
  readonly evidenceBucketName: string;
}

/**
 * The AWS endpoints the functions inside a database network call, created once per VPC: a Secrets Manager
 * interface endpoint (private DNS, so there can be only one per VPC) behind a security group of its own, and
 * an S3 gateway endpoint on the isolated subnets' route tables (one per service and route table). Each function
 * is let in through `allowFrom`, never through an open endpoint.
 */
export class ServiceEndpoints extends Construct {
  /** The interface endpoints' security group: HTTPS from the functions allowed through `allowFrom` only. */
  readonly securityGroup: ec2.SecurityGroup;
  readonly secretsManager: ec2.InterfaceVpcEndpoint;
  readonly s3: ec2.GatewayVpcEndpoint;

  constructor(scope: Construct, id: string, props: ServiceEndpointsProps) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'rxdr database network endpoints: HTTPS from the functions in the network',
      allowAllOutbound: false,
    });
    this.secretsManager = new ec2.InterfaceVpcEndpoint(this, 'SecretsManager', {
      vpc: props.vpc,
      service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
      subnets: props.subnets,
      securityGroups: [this.securityGroup],
      open: false,
      privateDnsEnabled: true,
    });
    this.s3 = new ec2.GatewayVpcEndpoint(this, 'S3', {
      vpc: props.vpc,
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [props.subnets],
    });
    for (const statement of evidenceObjectsOnly(Stack.of(this), props.evidenceBucketName, {
      read: ['manifests/'],
      write: ['manifests/', 'failover/'],
    }))
      this.s3.addToPolicy(statement);
    this.secretsManager.addToPolicy(accountPerimeter(Stack.of(this), ['secretsmanager:GetSecretValue']));
  }

  /**
   * Let a function's security group (created with `allowAllOutbound: false`) reach the endpoints: HTTPS to and
   * from the interface endpoints' security group, and HTTPS out for the S3 gateway endpoint. That one is reached
   * through a region-specific prefix list (a lookup); the isolated subnets have no route to anything else, so
   * HTTPS can reach nothing but the endpoints.
   */
  allowFrom(securityGroup: ec2.ISecurityGroup, who: string): void {
    this.securityGroup.addIngressRule(securityGroup, ec2.Port.tcp(443), `${who} to Secrets Manager`);
    securityGroup.addEgressRule(this.securityGroup, ec2.Port.tcp(443), 'to Secrets Manager');
    securityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to the S3 gateway endpoint (no other route exists)',
    );
  }
}
