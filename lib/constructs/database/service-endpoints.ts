import { Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { S3PrefixList } from '../s3-prefix-list';
import { CHUNK_RESULTS_PREFIX, MANIFEST_CHUNKS_PREFIX } from '../../../engines/common/chunk-key';
import { accountPerimeter, evidenceObjectsOnly } from './endpoint-policies';

export interface ServiceEndpointsProps {
  /** The database network (isolated subnets: no NAT, no internet gateway). */
  readonly vpc: ec2.IVpc;
  /** Where the interface endpoints and the gateway endpoint's routes go. */
  readonly subnets: ec2.SubnetSelection;
  /**
   * The evidence bucket: the S3 endpoint reaches only its manifests (the manifest job writes them, the validator
   * reads them), its failover reports (the validator writes them) and the chunked validations' plans and
   * verdicts (the validator and its chunk function).
   */
  readonly evidenceBucketName: string;
  /** Encrypts the logs of the S3 prefix list lookup. */
  readonly key: kms.IKey;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
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
  /** The region's S3 prefix list: what HTTPS to the gateway endpoint is allowed to. */
  readonly s3PrefixList: S3PrefixList;

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
      read: ['manifests/', CHUNK_RESULTS_PREFIX, MANIFEST_CHUNKS_PREFIX],
      write: ['manifests/', 'failover/', CHUNK_RESULTS_PREFIX, MANIFEST_CHUNKS_PREFIX],
    }))
      this.s3.addToPolicy(statement);
    this.s3PrefixList = new S3PrefixList(this, 'S3PrefixList', { key: props.key, logRetention: props.logRetention });
    this.secretsManager.addToPolicy(accountPerimeter(Stack.of(this), ['secretsmanager:GetSecretValue']));
  }

  /**
   * Let a function's security group (created with `allowAllOutbound: false`) reach the endpoints: HTTPS to and
   * from the interface endpoints' security group, and HTTPS out to the region's S3 prefix list for the gateway
   * endpoint. Nothing else: no 0.0.0.0/0.
   */
  allowFrom(securityGroup: ec2.ISecurityGroup, who: string): void {
    this.securityGroup.addIngressRule(securityGroup, ec2.Port.tcp(443), `${who} to Secrets Manager`);
    securityGroup.addEgressRule(this.securityGroup, ec2.Port.tcp(443), 'to Secrets Manager');
    securityGroup.addEgressRule(this.s3PrefixList.peer, ec2.Port.tcp(443), 'HTTPS to the S3 gateway endpoint');
  }
}
