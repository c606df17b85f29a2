import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';

export interface DatabaseNetworkProps {
  /** Private IPv4 block of the VPC (validated by the config schema). */
  readonly cidr: string;
  /** Customer-managed key for the flow-log group (its policy must let CloudWatch Logs in this region use it). */
  readonly key: kms.IKey;
  /** Retention of the VPC flow logs. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Availability zones for the isolated subnets (RDS subnet groups need at least two). Named explicitly so
   * synth needs no AZ lookup; override where `<region>a`/`<region>b` are not offered to the account.
   * @default - `<region>a` and `<region>b`
   */
  readonly availabilityZones?: string[];
  /**
   * Interface endpoints for AWS APIs that functions inside the VPC call (there is no NAT gateway and no
   * internet gateway).
   * @default - none
   */
  readonly interfaceEndpoints?: Readonly<Record<string, ec2.InterfaceVpcEndpointAwsService>>;
  /** @default RemovalPolicy.RETAIN (flow logs are audit records) */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * The network protected databases live in: a VPC with private isolated subnets only (no internet or NAT
 * gateway), the default security group closed, all traffic recorded in VPC flow logs to a CMK-encrypted log
 * group with explicit retention, an RDS subnet group over the isolated subnets, and the interface endpoints
 * its functions need.
 */
export class DatabaseNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  /** The isolated subnets databases are placed in. */
  readonly subnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
  /** RDS subnet group over the isolated subnets (reference instances, replicas, restored drill instances). */
  readonly subnetGroup: rds.SubnetGroup;
  readonly flowLogGroup: logs.LogGroup;
  /** Interface endpoints by the name they were given in `interfaceEndpoints`. */
  readonly endpoints: Readonly<Record<string, ec2.InterfaceVpcEndpoint>>;

  constructor(scope: Construct, id: string, props: DatabaseNetworkProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    const zones = props.availabilityZones ?? [`${region}a`, `${region}b`];
    if (zones.length < 2) {
      throw new Error(
        `a database network needs at least two availability zones (RDS subnet groups span two), got ${zones.length}: ${zones.join(', ')}`,
      );
    }

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr),
      availabilityZones: zones,
      natGateways: 0,
      createInternetGateway: false,
      subnetConfiguration: [{ name: 'Database', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
      restrictDefaultSecurityGroup: true,
    });

    this.flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      encryptionKey: props.key,
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    const flowLogRole = new iam.Role(this, 'FlowLogRole', {
      assumedBy: new iam.ServicePrincipal('vpc-flow-logs.amazonaws.com'),
      description: 'VPC flow logs of the rxdr database network write to their log group',
    });
    // A managed policy of our own instead of the inline default policy the L2 would add (HIPAA/NIST
    // IAMNoInlinePolicy); the role handed to the flow log takes no further statements.
    new iam.ManagedPolicy(this, 'FlowLogPolicy', {
      description: 'rxdr database network: VPC flow logs to their log group only',
      roles: [flowLogRole],
      statements: [
        new iam.PolicyStatement({
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          resources: [this.flowLogGroup.logGroupArn],
        }),
      ],
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(this.flowLogGroup, flowLogRole.withoutPolicyUpdates()),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    this.subnetGroup = new rds.SubnetGroup(this, 'SubnetGroup', {
      vpc: this.vpc,
      vpcSubnets: this.subnets,
      description: 'rxdr protected databases: isolated subnets',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const endpoints: Record<string, ec2.InterfaceVpcEndpoint> = {};
    for (const [name, service] of Object.entries(props.interfaceEndpoints ?? {})) {
      // Closed by default: whoever calls the endpoint opens it for its own security group (`connections`).
      // An endpoint answers and never initiates, so its security group sends nothing.
      const securityGroup = new ec2.SecurityGroup(this, `${name}EndpointSg`, {
        vpc: this.vpc,
        description: `rxdr protected databases: the ${name} endpoint, HTTPS in from allowed functions only`,
        allowAllOutbound: false,
      });
      endpoints[name] = this.vpc.addInterfaceEndpoint(name, {
        service,
        subnets: this.subnets,
        privateDnsEnabled: true,
        open: false,
        securityGroups: [securityGroup],
      });
    }
    this.endpoints = endpoints;
  }
}
