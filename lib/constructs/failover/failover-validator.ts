import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
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
import { POSTGRES_PORT } from '../database/postgres-port';
import { acknowledgeOwnLogStreams, lambdaLogsAndRole } from '../managed-policy-role';
import { trustRdsCertificates } from '../validation/database-tls';
import { CheckSettings, checkSettingsEnvironment } from '../../../engines/validation/check-settings';
import { BUNDLING_TARGET, FUNCTION_PLATFORM } from '../function-runtime';
import { CHUNK_FUNCTION_TIMEOUT } from '../validation/chunk-states';
import { chunkResultsPrefix } from '../../../engines/common/chunk-key';
import { VALIDATOR_FUNCTION_TIMEOUT } from './validator-tasks';

export interface FailoverValidatorProps {
  /** The environment: its failover's chunk results are `validation-chunks/<environment>/failover/*`. */
  readonly environmentName: string;
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
  /** Physical name of the chunk function (the failover state machine invokes it by its ARN). @default - generated */
  readonly chunkFunctionName?: string;
  /**
   * Chunk invocations that may run at once: every database failing over together, each at its parallelism.
   * @default 10
   */
  readonly chunkConcurrency?: number;
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
 * The validation engine as the failover runbook's validator, two functions in the recovery database network
 * (`network`), where the promoted replica or restored instance they check lives, both invoked by the failover
 * state machine:
 * - `function` (`lambda/validate.ts`, timeout {@link VALIDATOR_FUNCTION_TIMEOUT}): its PlanChunks task plans a
 *   chunked validation (input with `planChunks`: the plan to S3, the chunk ids back), its Validate task runs the
 *   whole-table step (input `{ database, manifest, recoveryPointTime, rpoTargetSeconds, report, chunks }`,
 *   output a `ValidationReport`); it writes the report under `failover/*`;
 * - `chunkFunction` (`lambda/validate-chunks.ts`, `failover`): one chunk per invocation, for the failover's
 *   ValidateChunks Map, with a time budget of {@link CHUNK_FUNCTION_TIMEOUT}.
 * Both read the manifests (`manifests/*`) and the configured credentials secrets; the chunk plans and verdicts
 * live under `validation-chunks/<environment>/failover/*` only. Nothing else.
 */
export class FailoverValidator extends Construct {
  readonly function: nodejs.NodejsFunction;
  readonly chunkFunction: nodejs.NodejsFunction;
  /** The function's security group, when it runs in `network`. */
  readonly securityGroup?: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: FailoverValidatorProps) {
    super(scope, id);
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
    }
    const chunkResults = props.evidenceBucket.arnForObjects(
      `${chunkResultsPrefix('failover', props.environmentName)}*`,
    );
    const manifests = props.evidenceBucket.arnForObjects('manifests/*');
    const make = (id: string, role: iam.IRole, logGroup: logs.ILogGroup, fn: Partial<nodejs.NodejsFunctionProps>) => {
      const made = new nodejs.NodejsFunction(this, id, {
        role,
        ...FUNCTION_PLATFORM,
        memorySize: 1024,
        environment: {
          POWERTOOLS_SERVICE_NAME: 'rxdr-failover-validator',
          NODE_OPTIONS: '--enable-source-maps',
          ...checkSettingsEnvironment(props.checkSettings ?? {}),
        },
        environmentEncryption: props.key,
        logGroup,
        tracing: lambda.Tracing.ACTIVE,
        ...(network && this.securityGroup
          ? { vpc: network.vpc, vpcSubnets: network.subnets, securityGroups: [this.securityGroup] }
          : {}),
        bundling: { minify: true, sourceMap: true, target: BUNDLING_TARGET },
        ...fn,
      });
      trustRdsCertificates(made);
      return made;
    };

    const main = this.validatorRole('', 'rxdr failover validator', props);
    this.function = make('Function', main.role, main.logGroup, {
      ...(props.functionName ? { functionName: props.functionName } : {}),
      entry: lambdaEntry('validate'),
      handler: 'handler',
      timeout: VALIDATOR_FUNCTION_TIMEOUT,
      description: 'rxdr failover: validate the recovered database against its manifest before clients are repointed',
      reservedConcurrentExecutions: 5,
    });
    this.function.node.addDependency(main.role.policy);
    main.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteReports',
        actions: ['s3:PutObject'],
        resources: [props.evidenceBucket.arnForObjects('failover/*')],
      }),
    );
    main.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WritePlanReadVerdicts',
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [chunkResults],
      }),
    );

    const chunk = this.validatorRole('Chunk', 'rxdr failover chunk validator', props);
    this.chunkFunction = make('ChunkFunction', chunk.role, chunk.logGroup, {
      ...(props.chunkFunctionName ? { functionName: props.chunkFunctionName } : {}),
      entry: lambdaEntry('validate-chunks'),
      handler: 'failover',
      timeout: CHUNK_FUNCTION_TIMEOUT,
      description: 'rxdr failover: validate one chunk of the recovered database (the failover ValidateChunks Map)',
      reservedConcurrentExecutions: props.chunkConcurrency ?? 10,
    });
    this.chunkFunction.node.addDependency(chunk.role.policy);
    chunk.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadPlanWriteVerdict',
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [chunkResults],
      }),
    );

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
      [manifests],
      'manifests are one object per database under manifests/ (read-only)',
    );
    acknowledgeWildcardResources(
      this,
      [chunkResults],
      "a chunked validation keeps its plan and chunk verdicts under the failover's own prefix, one object each",
    );
    acknowledgeWildcardResources(
      this,
      [props.evidenceBucket.arnForObjects('failover/*')],
      'validation reports are written next to the failover evidence, one object per database and execution (Object Lock keeps every version)',
    );
    for (const { logGroup } of [main, chunk]) acknowledgeOwnLogStreams(this, logGroup);
    ack(
      'HIPAA.Security-LambdaDLQ',
      'invoked synchronously by the failover state machine, which retries or fails the step on an error; a DLQ never receives anything',
    );
    ack(
      'NIST.800.53.R5-LambdaDLQ',
      'invoked synchronously by the failover state machine, which retries or fails the step on an error; a DLQ never receives anything',
    );
  }

  /**
   * A function's own log group and role: its logs, the network interfaces (in `network`), the manifests, the
   * configured credentials secrets and the key.
   */
  private validatorRole(prefix: string, description: string, props: FailoverValidatorProps) {
    const { logGroup, role } = lambdaLogsAndRole(this, {
      idPrefix: prefix,
      key: props.key,
      logRetention: props.logRetention ?? logs.RetentionDays.SIX_YEARS,
      description,
    });
    if (props.network)
      // What AWSLambdaVPCAccessExecutionRole grants, as a statement of the function's own policy; Lambda checks
      // it when the function is created, hence the function's dependency on the policy.
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
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadManifests',
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [props.evidenceBucket.arnForObjects('manifests/*')],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadCredentials',
        actions: ['secretsmanager:GetSecretValue'],
        resources: props.secretIds.map((id) => secretResourceArn(Stack.of(this), id)),
      }),
    );
    props.key.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');
    return { role, logGroup };
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
