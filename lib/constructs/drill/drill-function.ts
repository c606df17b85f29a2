import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { retainedLogGroup } from '../retained-log-group';
import { Construct } from 'constructs';
import { ManagedPolicyRole } from '../managed-policy-role';
import { trustRdsCertificates } from '../validation/database-tls';
import { DATABASE_FUNCTION_BUNDLING, FUNCTION_PLATFORM } from '../function-runtime';
import { acknowledgeHipaaAndNist, acknowledgeManagedPolicy } from '../../compliance/acknowledgements';

export interface DrillFunctionProps {
  readonly entry: string;
  readonly handler: string;
  readonly description: string;
  readonly key: kms.IKey;
  readonly environment?: Record<string, string>;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  /**
   * The drill network, for the one function that connects to the restored database; it also gets the CA
   * bundle its connection verifies the database server with (`trustRdsCertificates`).
   * @default - outside any VPC (control-plane APIs only)
   */
  readonly vpc?: { readonly vpc: ec2.IVpc; readonly securityGroups: ec2.ISecurityGroup[] };
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** Reserved concurrency (a drill never needs more than the Map's maxConcurrency at once). */
  readonly reservedConcurrency: number;
  /**
   * Dead-letter queue for asynchronous invocations (EventBridge, Scheduler).
   * @default - none: the function is only invoked synchronously by the drill state machine, whose Catch
   * handles every failure (acknowledged as such)
   */
  readonly deadLetterQueue?: sqs.IQueue;
}

/** Why the drill functions outside the drill VPC may stay there (acknowledged for HIPAA/NIST LambdaInsideVPC). */
export const CONTROL_PLANE_ONLY =
  'calls AWS control-plane APIs only (RDS, AWS Backup, S3 evidence, SNS, Step Functions) and ' +
  'never connects to a database or reads patient data; the drill VPC has isolated subnets ' +
  'without a route out, and only the Validate function, which does connect to the restored ' +
  'copy, runs in it';

/** A drill Lambda: esbuild bundle (AWS SDK v3 bundled: the runtime's copy may lack newer APIs), the shared runtime, arm64, CMK-encrypted logs. */
export class DrillFunction extends Construct {
  readonly fn: nodejs.NodejsFunction;
  /** The execution role: every grant lands in its customer-managed policy. */
  readonly role: ManagedPolicyRole;

  constructor(scope: Construct, id: string, props: DrillFunctionProps) {
    super(scope, id);
    const logGroup = retainedLogGroup(this, 'Logs', props.key, props.logRetention ?? logs.RetentionDays.ONE_YEAR);
    this.role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    // Its own log group only (instead of AWSLambdaBasicExecutionRole's logs:* on every group).
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteItsOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    if (props.vpc) {
      const vpcAccess = 'service-role/AWSLambdaVPCAccessExecutionRole';
      const vpcAccessPolicy = iam.ManagedPolicy.fromAwsManagedPolicyName(vpcAccess);
      this.role.addManagedPolicy(vpcAccessPolicy);
      acknowledgeManagedPolicy(
        this.role,
        vpcAccessPolicy,
        'the AWS-maintained policy Lambda needs to attach its network interfaces in the drill subnets (EC2 network-interface actions, whose Describe calls support no resource-level permissions)',
      );
    }
    this.fn = new nodejs.NodejsFunction(this, 'Fn', {
      role: this.role,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      entry: props.entry,
      handler: props.handler,
      description: props.description,
      ...FUNCTION_PLATFORM,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(60),
      logGroup,
      environmentEncryption: props.key,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'rxdr-drill',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: DATABASE_FUNCTION_BUNDLING,
      ...(props.vpc
        ? {
            vpc: props.vpc.vpc,
            securityGroups: props.vpc.securityGroups,
            vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
          }
        : {}),
    });
    if (props.vpc) trustRdsCertificates(this.fn);
    if (!props.vpc) {
      acknowledgeHipaaAndNist(this.fn, 'LambdaInsideVPC', CONTROL_PLANE_ONLY);
    }
    if (!props.deadLetterQueue) {
      const noDlq =
        'invoked only synchronously by the drill state machine (a dead-letter queue applies to ' +
        'asynchronous invocations only); every failure returns to the state machine, whose Catch ' +
        'cleans up, records evidence and fails the run visibly';
      acknowledgeHipaaAndNist(this.fn, 'LambdaDLQ', noDlq);
    }
  }
}
