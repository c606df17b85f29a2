import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { lambdaRole } from './managed-policy-role';

export interface FailoverValidatorProps {
  readonly key: kms.IKey;
  readonly evidenceBucket: s3.IBucket;
  /** SecretIds (names or ARNs) of the replicated credentials secrets the validator may read. */
  readonly secretIds: readonly string[];
  /** @default logs.RetentionDays.SIX_YEARS */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The network of the recovered databases. @default - outside a VPC (see docs/runbooks/failover.md,
   * "Known limits": the recovery database network has no Secrets Manager/S3 endpoints yet)
   */
  readonly vpc?: { readonly vpc: ec2.IVpc; readonly subnets: ec2.SubnetSelection; readonly securityGroups: ec2.ISecurityGroup[] };
}

/** `lambda/validation/handler.ts` from `lib/` (ts-node) and from a compiled `dist/lib/`. */
function validatorEntry(): string {
  const base = path.join(__dirname, '..', '..', '..', 'lambda', 'validation', 'handler');
  return existsSync(`${base}.ts`) ? `${base}.ts` : `${base}.js`;
}

/**
 * The validation engine (`lambda/validation/handler.ts`, input `{ database, manifest, recoveryPointTime,
 * rpoTargetSeconds, report }`, output a `ValidationReport`) as the failover runbook's validator: reads the
 * manifests (`manifests/*`) and writes its report under `failover/*` in the evidence bucket, reads the
 * configured credentials secrets, nothing else.
 */
export class FailoverValidator extends Construct {
  readonly function: nodejs.NodejsFunction;

  constructor(scope: Construct, id: string, props: FailoverValidatorProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.SIX_YEARS, encryptionKey: props.key, removalPolicy: RemovalPolicy.RETAIN });
    const role = lambdaRole(this, 'Role', logGroup.logGroupArn, 'rxdr failover validator');
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      role,
      entry: validatorEntry(),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.minutes(15),
      description: 'rxdr failover: validate the recovered database against its manifest before clients are repointed',
      environment: { POWERTOOLS_SERVICE_NAME: 'rxdr-failover-validator', NODE_OPTIONS: '--enable-source-maps' },
      environmentEncryption: props.key,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      reservedConcurrentExecutions: 5,
      ...(props.vpc ? { vpc: props.vpc.vpc, vpcSubnets: props.vpc.subnets, securityGroups: props.vpc.securityGroups } : {}),
      bundling: { minify: true, sourceMap: true, target: 'node22' },
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadManifests', actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [props.evidenceBucket.arnForObjects('manifests/*')] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WriteReports', actions: ['s3:PutObject'], resources: [props.evidenceBucket.arnForObjects('failover/*')] }));
    this.function.addToRolePolicy(new iam.PolicyStatement({ sid: 'ReadCredentials', actions: ['secretsmanager:GetSecretValue'], resources: props.secretIds.map((id) => secretResourceArn(stack, id)) }));
    props.key.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');

    const bucketElement = props.evidenceBucket.node.defaultChild;
    const bucket = bucketElement ? stack.getLogicalId(bucketElement as s3.CfnBucket) : props.evidenceBucket.node.id;
    const ack = (id: string, reason: string) => Validations.of(this).acknowledge({ id, reason });
    ack('AwsSolutions-IAM5[Resource::*]', 'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) supports no resource-level permissions');
    ack(`AwsSolutions-IAM5[Resource::<${bucket}.Arn>/manifests/*]`, 'manifests are one object per database under manifests/ (read-only)');
    ack(`AwsSolutions-IAM5[Resource::<${bucket}.Arn>/failover/*]`, 'validation reports are written next to the failover evidence, one object per database and execution (Object Lock keeps every version)');
    ack('AwsSolutions-IAM5[Resource::<LogsD2B8C5B0.Arn>:log-stream:*]'.replace('LogsD2B8C5B0', stack.getLogicalId(logGroup.node.defaultChild as logs.CfnLogGroup)), 'Lambda creates one log stream per execution environment in the function\'s own log group');
    ack('AwsSolutions-L1', 'nodejs22.x is the newest runtime the toolchain bundles for (TOOLCHAIN.md); nodejs24.x needs the AWS SDK warnings resolved first');
    if (!props.vpc) {
      ack('HIPAA.Security-LambdaInsideVPC', 'the recovery database network (standby stack, deployed after this one) has no Secrets Manager/S3 endpoints yet; until it does the validator runs outside it and a run that cannot reach the recovered instance stops before repointing (docs/runbooks/failover.md, Known limits)');
      ack('NIST.800.53.R5-LambdaInsideVPC', 'the recovery database network (standby stack, deployed after this one) has no Secrets Manager/S3 endpoints yet; until it does the validator runs outside it and a run that cannot reach the recovered instance stops before repointing (docs/runbooks/failover.md, Known limits)');
    }
    ack('HIPAA.Security-LambdaDLQ', 'invoked synchronously by the failover function, which fails the step on an error; a DLQ never receives anything');
    ack('NIST.800.53.R5-LambdaDLQ', 'invoked synchronously by the failover function, which fails the step on an error; a DLQ never receives anything');
  }
}

/** IAM resource of a secret given by name (Secrets Manager appends "-" and six characters) or by ARN. */
export function secretResourceArn(stack: Stack, secretId: string): string {
  return secretId.startsWith('arn:') ? secretId : stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${secretId}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}
