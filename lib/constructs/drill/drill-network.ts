import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { retainedLogGroup } from '../retained-log-group';
import { Construct } from 'constructs';
import { S3PrefixList } from '../s3-prefix-list';
import { CHUNK_RESULTS_PREFIX } from '../../../engines/common/chunk-key';
import { MANIFEST_PREFIX } from '../../../engines/common/manifest-key';
import { accountPerimeter, evidenceObjectsOnly } from '../database/endpoint-policies';

export interface DrillNetworkProps {
  /** CIDR of the drill VPC (must not overlap the database VPCs). */
  readonly cidr: string;
  /** Encrypts the flow logs. */
  readonly key: kms.IKey;
  /** Flow log retention. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Availability zones of the isolated subnets. Named explicitly so synth needs no AZ lookup.
   * @default - `<region>a` and `<region>b`
   */
  readonly availabilityZones?: string[];
  /** The evidence bucket: the S3 endpoint reaches only its manifests, which the drill validator reads. */
  readonly evidenceBucketName: string;
}

/**
 * Where restore drills put restored instances: a VPC with only isolated subnets (no internet or NAT
 * gateway, no route out), a DB subnet group, a security group for restored instances that admits nothing
 * but PostgreSQL from the validator's security group, and the VPC endpoints the validator Lambda calls
 * (RDS, Secrets Manager, S3 for the manifest). Flow logs are on.
 */
export class DrillNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  readonly subnetGroup: rds.SubnetGroup;
  /** On restored instances: ingress 5432 from `validatorSecurityGroup` only, no egress. */
  readonly instanceSecurityGroup: ec2.SecurityGroup;
  /** On the validator Lambda: egress to the instances (5432) and the endpoints (443) only. */
  readonly validatorSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: DrillNetworkProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    const azs = props.availabilityZones ?? [`${region}a`, `${region}b`];

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr),
      availabilityZones: azs,
      natGateways: 0,
      createInternetGateway: false,
      restrictDefaultSecurityGroup: true,
      subnetConfiguration: [{ name: 'drill', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 26 }],
    });
    const flowLogs = retainedLogGroup(this, 'FlowLogs', props.key, props.logRetention ?? logs.RetentionDays.ONE_YEAR);
    // A role whose one customer-managed policy writes to this log group only (no inline policy: IAMNoInlinePolicy).
    const flowLogRole = new iam.Role(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com'),
      description: 'VPC flow logs of the rxdr drill network write to their log group',
    });
    new iam.ManagedPolicy(this, 'FlowLogPolicy', {
      description: 'rxdr drill network: VPC flow logs to their log group only',
      roles: [flowLogRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          resources: [flowLogs.logGroupArn],
        }),
      ],
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs, flowLogRole.withoutPolicyUpdates()),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    this.subnetGroup = new rds.SubnetGroup(this, 'SubnetGroup', {
      vpc: this.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      description: 'rxdr restore drills: isolated subnets only',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.instanceSecurityGroup = new ec2.SecurityGroup(this, 'InstanceSg', {
      vpc: this.vpc,
      description: 'rxdr restored drill instances: PostgreSQL from the drill validator only',
      allowAllOutbound: false,
    });
    this.validatorSecurityGroup = new ec2.SecurityGroup(this, 'ValidatorSg', {
      vpc: this.vpc,
      description: 'rxdr drill validator Lambda',
      allowAllOutbound: false,
    });
    this.instanceSecurityGroup.addIngressRule(
      this.validatorSecurityGroup,
      ec2.Port.tcp(5432),
      'validator to restored PostgreSQL',
    );
    this.validatorSecurityGroup.addEgressRule(this.instanceSecurityGroup, ec2.Port.tcp(5432), 'to restored PostgreSQL');

    const endpointSg = new ec2.SecurityGroup(this, 'EndpointSg', {
      vpc: this.vpc,
      description: 'rxdr drill VPC endpoints: HTTPS from the validator',
      allowAllOutbound: false,
    });
    endpointSg.addIngressRule(this.validatorSecurityGroup, ec2.Port.tcp(443), 'validator to AWS APIs');
    this.validatorSecurityGroup.addEgressRule(endpointSg, ec2.Port.tcp(443), 'to AWS API endpoints');
    const isolated = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
    for (const [name, service, actions] of [
      ['Rds', ec2.InterfaceVpcEndpointAwsService.RDS, ['rds:DescribeDBInstances']],
      ['SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER, ['secretsmanager:GetSecretValue']],
    ] as const) {
      this.vpc
        .addInterfaceEndpoint(name, {
          service,
          subnets: isolated,
          securityGroups: [endpointSg],
          open: false,
          privateDnsEnabled: true,
        })
        .addToPolicy(accountPerimeter(Stack.of(this), actions));
    }
    const s3 = this.vpc.addGatewayEndpoint('S3', { service: ec2.GatewayVpcEndpointAwsService.S3, subnets: [isolated] });
    for (const statement of evidenceObjectsOnly(Stack.of(this), props.evidenceBucketName, {
      read: [MANIFEST_PREFIX, CHUNK_RESULTS_PREFIX],
      write: [CHUNK_RESULTS_PREFIX],
    }))
      s3.addToPolicy(statement);
    const s3PrefixList = new S3PrefixList(this, 'S3PrefixList', { key: props.key, logRetention: props.logRetention });
    this.validatorSecurityGroup.addEgressRule(s3PrefixList.peer, ec2.Port.tcp(443), 'HTTPS to the S3 gateway endpoint');
  }
}
