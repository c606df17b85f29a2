import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { lambdaEntry } from '../lambda-entry';
import { acknowledgeWildcardResources } from '../../compliance/acknowledgements';
import { ServiceEndpoints } from '../database/service-endpoints';
import { lambdaRole } from '../managed-policy-role';
import { trustRdsCertificates } from '../validation/database-tls';
import { CheckSettings, checkSettingsEnvironment } from '../../../engines/validation/check-settings';
import { BUNDLING_TARGET, FUNCTION_RUNTIME } from '../function-runtime';

const POSTGRES_PORT = 5432;

export interface FailoverValidatorProps {
  readonly key: kms.IKey;
  readonly evidenceBucket: s3.IBucket;
  /** SecretIds (names or ARNs) of the replicated credentials secrets the validator may read. */
  readonly secretIds: readonly string[];
  /** @default logs.RetentionDays.SIX_YEARS */
  readonly logRetention?: logs.RetentionDays;
  /** Per database name: the checks, custom checks and invariant mappings to run. @default - every check that applies */
  readonly checkSettings?: Readonly<Record<string, CheckSettings | undefined>>;
  /** Physical name: the runbooks (another stack, deployed earlier) invoke it by its deterministic ARN. @default - generated */
  readonly functionName?: string;
  /**
   * The network of the recovered databases: the function runs in its isolated subnets with a security group of
   * its own that reaches PostgreSQL on `databaseSecurityGroups` and HTTPS to the endpoints only.
   * @default - outside a VPC (tests; such a validator cannot reach a database in isolated subnets)
   */
  readonly network?: {
    readonly vpc: ec2.IVpc;
    readonly subnets: ec2.SubnetSelection;
    /** The security groups of every instance the validator may be pointed at (replicas, restored instances). */
    readonly databaseSecurityGroups: readonly { readonly name: string; readonly securityGroup: ec2.ISecurityGroup }[];
    readonly endpoints: ServiceEndpoints;
  };
}

/**
 * The validation engine (`lambda/validate.ts`, input `{ database, manifest, recoveryPointTime,
 * rpoTargetSeconds, report }`, output a `ValidationReport`) as the failover runbook's validator: reads the
 * manifests (`manifests/*`) and writes its report under `failover/*` in the evidence bucket, reads the
 * configured credentials secrets, nothing else. The standby stack builds it in the recovery database network
 * (`network`), where the promoted replica or restored instance it checks lives.
 */
export class FailoverValidator extends Construct {
  readonly function: nodejs.NodejsFunction;
  /** The function's security group, when it runs in `network`. */
  readonly securityGroup?: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: FailoverValidatorProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.SIX_YEARS,
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = lambdaRole(this, 'Role', logGroup.logGroupArn, 'rxdr failover validator');
    const network = props.network;
    if (network) {
      this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc: network.vpc,
        description: 'rxdr failover validator: PostgreSQL to the recovered databases, HTTPS to the endpoints',
        allowAllOutbound: false,
      });
      for (const db of network.databaseSecurityGroups) {
        db.securityGroup.addIngressRule(
          this.securityGroup,
          ec2.Port.tcp(POSTGRES_PORT),
          `rxdr failover validator reads ${db.name}`,
        );
        this.securityGroup.addEgressRule(db.securityGroup, ec2.Port.tcp(POSTGRES_PORT), `to ${db.name}`);
      }
      network.endpoints.allowFrom(this.securityGroup, 'failover validator');
      // What AWSLambdaVPCAccessExecutionRole grants, as a statement of the function's own policy; Lambda checks
      // it when the function is created, hence the dependency below.
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'NetworkInterfaces',
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      role,
      ...(props.functionName ? { functionName: props.functionName } : {}),
      entry: lambdaEntry('validate'),
      handler: 'handler',
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.minutes(15),
      description: 'rxdr failover: validate the recovered database against its manifest before clients are repointed',
      environment: {
        POWERTOOLS_SERVICE_NAME: 'rxdr-failover-validator',
        NODE_OPTIONS: '--enable-source-maps',
        ...checkSettingsEnvironment(props.checkSettings ?? {}),
      },
      environmentEncryption: props.key,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      reservedConcurrentExecutions: 5,
      ...(network && this.securityGroup
        ? { vpc: network.vpc, vpcSubnets: network.subnets, securityGroups: [this.securityGroup] }
        : {}),
      bundling: { minify: true, sourceMap: true, target: BUNDLING_TARGET },
    });
    this.function.node.addDependency(role.policy);
    trustRdsCertificates(this.function);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadManifests',
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [props.evidenceBucket.arnForObjects('manifests/*')],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteReports',
        actions: ['s3:PutObject'],
        resources: [props.evidenceBucket.arnForObjects('failover/*')],
      }),
    );
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ReadCredentials',
        actions: ['secretsmanager:GetSecretValue'],
        resources: props.secretIds.map((id) => secretResourceArn(stack, id)),
      }),
    );
    props.key.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');

    const ack = (id: string, reason: string) => Validations.of(this).acknowledge({ id, reason });
    ack(
      'AwsSolutions-IAM5[Resource::*]',
      network
        ? 'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and the network-interface actions ' +
            'Lambda needs to attach the function to its subnets (ec2:CreateNetworkInterface, ' +
            'DescribeNetworkInterfaces, DescribeSubnets, DeleteNetworkInterface, ' +
            'Assign/UnassignPrivateIpAddresses) support no resource-level permissions'
        : 'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) supports no resource-level permissions',
    );
    acknowledgeWildcardResources(
      this,
      [props.evidenceBucket.arnForObjects('manifests/*')],
      'manifests are one object per database under manifests/ (read-only)',
    );
    acknowledgeWildcardResources(
      this,
      [props.evidenceBucket.arnForObjects('failover/*')],
      'validation reports are written next to the failover evidence, one object per database and execution (Object Lock keeps every version)',
    );
    acknowledgeWildcardResources(
      this,
      [`${logGroup.logGroupArn}:log-stream:*`],
      "Lambda creates one log stream per execution environment in the function's own log group",
    );
    ack(
      'HIPAA.Security-LambdaDLQ',
      'invoked synchronously by the failover function, which fails the step on an error; a DLQ never receives anything',
    );
    ack(
      'NIST.800.53.R5-LambdaDLQ',
      'invoked synchronously by the failover function, which fails the step on an error; a DLQ never receives anything',
    );
  }
}

/** IAM resource of a secret given by name (Secrets Manager appends "-" and six characters) or by ARN. */
export function secretResourceArn(stack: Stack, secretId: string): string {
  return secretId.startsWith('arn:')
    ? secretId
    : stack.formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: `${secretId}-??????`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
}
