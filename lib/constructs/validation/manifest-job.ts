import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import { retainedLogGroup } from '../retained-log-group';
import { Construct } from 'constructs';
import { lambdaEntry } from '../lambda-entry';
import { MANIFEST_PREFIX } from '../../../engines/common/manifest-key';
import { MANIFEST_CHUNKS_PREFIX } from '../../../engines/common/chunk-key';
import { DEFAULT_CHUNK_PARALLELISM } from '../../../engines/validation/chunks/plan';
import { CHUNK_FUNCTION_TIMEOUT } from './chunk-states';
import { ManifestStateMachine } from './manifest-state-machine';
import { POSTGRES_PORT } from '../database/postgres-port';
import { ServiceEndpoints } from '../database/service-endpoints';
import { encryptedSchedule } from '../encrypted-schedule';
import { ManagedPolicyRole } from '../managed-policy-role';
import { trustRdsCertificates } from './database-tls';
import { DATABASE_FUNCTION_BUNDLING, FUNCTION_PLATFORM } from '../function-runtime';
import { acknowledgeManagedPolicy, acknowledgeWildcardResources } from '../../compliance/acknowledgements';
import type { TableSelection } from '../../../engines/validation/discovery';
import type { PharmacyTables } from '../../../engines/validation/checks/pharmacy/table-mapping';
import { thisAccountsService } from '../service-principal-scope';
import { deadLetterQueue } from '../dead-letter-queue';

/** One database the job describes. */
export interface ManifestTarget {
  /** The database's name in rxdr config: the manifest goes to `manifestKey(name)`. */
  readonly name: string;
  /** RDS-format credentials secret in this region (name or ARN); its host is overridden by `host`. */
  readonly secretId: string;
  /** The endpoint to read (the read replica's address). @default - the host in the secret */
  readonly host?: string;
  /**
   * The instance's security group: PostgreSQL is opened to the job's security group only. @default - none
   * to open (in a network the adopter names, their security groups already admit the job)
   */
  readonly securityGroup?: ec2.ISecurityGroup;
  /** Which tables the manifest describes, cut-off columns. @default - every user table, cut-offs inferred */
  readonly selection?: TableSelection;
  /** An adopted database: the job proves pgaudit is in place inside it and fails when it is not. */
  readonly requirePgaudit?: boolean;
  /** The reference pharmacy tables on this database's own, described for the invariant checks. @default - none */
  readonly pharmacyTables?: PharmacyTables;
  /** Chunks described at once (1-40). @default 4 */
  readonly parallelism?: number;
  /** Bytes per chunk (`pg_total_relation_size`), at least a page (8192). @default 2 GiB */
  readonly chunkBytes?: number;
}

/** A network the adopter runs the job in: subnets and security groups of their own (ids). */
export interface AdopterNetwork {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

export interface ManifestJobProps {
  /** The VPC the targets live in (isolated subnets). Give it with `endpoints`, or give `adopterNetwork`. */
  readonly vpc?: ec2.IVpc;
  /** The VPC's Secrets Manager and S3 endpoints (shared with the failover validator); the job lets itself in. */
  readonly endpoints?: ServiceEndpoints;
  /**
   * Run in a network the adopter names instead (a database without a replica): their subnets reach the
   * database, Secrets Manager and S3, and their security groups are admitted by the database.
   * @default - `vpc`'s isolated subnets with a security group of the job's own
   */
  readonly adopterNetwork?: AdopterNetwork;
  readonly targets: readonly ManifestTarget[];
  /** The evidence bucket (this region), by name. */
  readonly evidenceBucketName: string;
  /** The evidence bucket's and the replicated secrets' CMK; also encrypts the job's logs, environment and DLQ. */
  readonly key: kms.IKey;
  readonly alertsTopic: sns.ITopic;
  /** EventBridge Scheduler expression (UTC). */
  readonly schedule: string;
  readonly statementTimeout: Duration;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The scheduled manifest job: `lambda/manifest.ts` run per database on a
 * schedule, writing `manifests/<name>.json` (see `engines/common/manifest-key.ts`) to the evidence bucket, where
 * the drill's Validate function reads it (every version is kept: the drill takes the newest one older than its
 * recovery point).
 *
 * **Placement: the recovery region, next to the warm-standby read replicas, reading the replica.** The evidence
 * bucket, the replicated credentials secret and the replica are all in the recovery region, so the job needs
 * no cross-region network path (the database VPCs have isolated subnets only, and a gateway endpoint cannot
 * reach another region's bucket), no cross-region reference, and puts no read load on the primary. The price:
 * rows younger than the replica lag may be missing at the cut-off (the handler takes now − 60 s; the lag
 * alarm fires at the tier RPO), and a long scan on a hot standby can be cancelled by a recovery conflict —
 * both show up as a failed job (alarm), never as a false pass. Databases without a replica have no copy in
 * this region: their manifests come from `rxdr manifest` (docs/runbooks/restore-drill.md).
 *
 * The function runs in the replicas' isolated subnets with a security group that reaches PostgreSQL on the
 * targets and HTTPS to the Secrets Manager and S3 endpoints only; TLS verifies the server against the
 * Amazon CA bundle of the Lambda runtime.
 */
export class ManifestJob extends Construct {
  /** The job's three functions: plan, describe one chunk, finish. */
  readonly functions: Readonly<Record<'plan' | 'chunk' | 'finish', nodejs.NodejsFunction>>;
  /** The workflow a schedule starts, one execution per database. */
  readonly workflow: ManifestStateMachine;
  /** The job's own security group (absent in an adopter's network, whose security groups it uses). */
  readonly securityGroup?: ec2.SecurityGroup;
  readonly schedules: scheduler.CfnSchedule[] = [];
  readonly failedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ManifestJobProps) {
    super(scope, id);
    const problems: string[] = [];
    if (props.targets.length === 0) problems.push('targets: at least one database, got none');
    const names = props.targets.map((t) => t.name);
    const duplicates = names.filter((n, i) => names.indexOf(n) !== i);
    if (duplicates.length > 0) problems.push(`targets: duplicate names ${[...new Set(duplicates)].join(', ')}`);
    const timeoutSeconds = props.statementTimeout.toSeconds();
    if (timeoutSeconds < 1 || timeoutSeconds > 900)
      problems.push(`statementTimeout must be 1-900 s (the Lambda timeout), got ${timeoutSeconds} s`);
    const rxdrNetwork = props.vpc !== undefined && props.endpoints !== undefined;
    if (props.adopterNetwork ? props.vpc || props.endpoints : !rxdrNetwork)
      problems.push('give either vpc and endpoints (rxdr network) or adopterNetwork, not both or neither');
    if (props.adopterNetwork && props.adopterNetwork.subnetIds.length === 0)
      problems.push('adopterNetwork.subnetIds: at least one subnet, got none');
    if (props.adopterNetwork && props.adopterNetwork.securityGroupIds.length === 0)
      problems.push('adopterNetwork.securityGroupIds: at least one security group, got none');
    for (const t of props.targets) {
      if (
        t.parallelism !== undefined &&
        !(Number.isInteger(t.parallelism) && t.parallelism >= 1 && t.parallelism <= 40)
      )
        problems.push(`targets.${t.name}.parallelism must be a whole number 1-40 (inline Map), got ${t.parallelism}`);
      if (t.chunkBytes !== undefined && !(Number.isInteger(t.chunkBytes) && t.chunkBytes >= 8192))
        problems.push(`targets.${t.name}.chunkBytes must be a whole number >= 8192 (a page), got ${t.chunkBytes}`);
    }
    if (problems.length > 0) throw new Error(`Invalid ManifestJob ${this.node.path}: ${problems.join('; ')}`);

    const stack = Stack.of(this);
    const bucket = s3.Bucket.fromBucketName(this, 'Evidence', props.evidenceBucketName);
    const isolated = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

    if (props.vpc && props.endpoints) {
      const own = new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc: props.vpc,
        description: 'rxdr manifest job: PostgreSQL to the replicas, HTTPS to the endpoints',
        allowAllOutbound: false,
      });
      for (const target of props.targets) {
        if (!target.securityGroup) continue;
        target.securityGroup.addIngressRule(own, ec2.Port.tcp(POSTGRES_PORT), `rxdr manifest job reads ${target.name}`);
        own.addEgressRule(target.securityGroup, ec2.Port.tcp(POSTGRES_PORT), `to ${target.name}`);
      }
      props.endpoints.allowFrom(own, 'manifest job');
      this.securityGroup = own;
    }

    const logGroup = retainedLogGroup(this, 'Logs', props.key, props.logRetention);
    const secretArns = [
      ...new Set(
        props.targets.map((t) =>
          t.secretId.startsWith('arn:')
            ? t.secretId
            : stack.formatArn({
                service: 'secretsmanager',
                resource: 'secret',
                resourceName: `${t.secretId}-??????`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
        ),
      ),
    ];
    const vpcAccessPolicy = iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole');
    const manifestObjects = bucket.arnForObjects(`${MANIFEST_PREFIX}*`);
    const chunkObjects = bucket.arnForObjects(`${MANIFEST_CHUNKS_PREFIX}*`);
    const parallelism = Math.max(1, ...props.targets.map((t) => t.parallelism ?? DEFAULT_CHUNK_PARALLELISM));
    // Least privilege per step: plan writes the plan, a chunk reads it and writes its rows, finish reads
    // them and writes the manifest. Every step reads the replicated credentials; none deletes anything.
    const write = (sid: string, resource: string) => ({ sid, actions: ['s3:PutObject'], resource });
    const read = (sid: string, resource: string) => ({ sid, actions: ['s3:GetObject'], resource });
    const steps = {
      plan: {
        id: 'Plan',
        s3: [write('WriteChunkPlan', chunkObjects)],
        does: 'plan the manifest chunks from the catalog',
      },
      chunk: {
        id: 'Chunk',
        s3: [read('ReadChunkPlan', chunkObjects), write('WriteChunkRows', chunkObjects)],
        does: 'describe one chunk (the rows of one key range)',
      },
      finish: {
        id: 'Finish',
        s3: [read('ReadChunkRows', chunkObjects), write('WriteManifests', manifestObjects)],
        does: 'combine the chunks and write the manifest',
      },
    };
    const functions = {} as Record<keyof typeof steps, nodejs.NodejsFunction>;
    for (const [handler, step] of Object.entries(steps) as [keyof typeof steps, (typeof steps)[keyof typeof steps]][]) {
      const role = new ManagedPolicyRole(this, `${step.id}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `rxdr manifest job: ${step.does}`,
      });
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'WriteItsOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadReplicatedCredentials',
          actions: ['secretsmanager:GetSecretValue'],
          resources: secretArns,
        }),
      );
      for (const { sid, actions, resource } of step.s3)
        role.addToPrincipalPolicy(new iam.PolicyStatement({ sid, actions, resources: [resource] }));
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'SecretAndEvidenceKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.key.keyArn],
        }),
      );
      role.addManagedPolicy(vpcAccessPolicy);
      const fn = new nodejs.NodejsFunction(this, `${step.id}Function`, {
        entry: lambdaEntry('manifest'),
        handler,
        description: `rxdr manifest job: ${step.does}`,
        ...FUNCTION_PLATFORM,
        memorySize: 512,
        timeout: handler === 'chunk' ? CHUNK_FUNCTION_TIMEOUT : Duration.minutes(15),
        role,
        logGroup,
        environmentEncryption: props.key,
        reservedConcurrentExecutions:
          handler === 'chunk' ? props.targets.length * parallelism + 1 : props.targets.length + 1,
        ...(this.securityGroup ? { vpc: props.vpc, vpcSubnets: isolated, securityGroups: [this.securityGroup] } : {}),
        environment: {
          EVIDENCE_BUCKET: props.evidenceBucketName,
          POWERTOOLS_SERVICE_NAME: 'rxdr-manifest',
          NODE_OPTIONS: '--enable-source-maps',
        },
        bundling: DATABASE_FUNCTION_BUNDLING,
      });
      trustRdsCertificates(fn);
      if (props.adopterNetwork) {
        // Subnets and security groups by id: no VPC lookup at synth, and nothing of the adopter's is modified.
        (fn.node.defaultChild as lambda.CfnFunction).vpcConfig = {
          subnetIds: [...props.adopterNetwork.subnetIds],
          securityGroupIds: [...props.adopterNetwork.securityGroupIds],
        };
      }
      acknowledgeManagedPolicy(
        role,
        vpcAccessPolicy,
        'the AWS-maintained policy Lambda needs to attach its network interfaces in the isolated subnets (EC2 network-interface actions, whose Describe calls support no resource-level permissions)',
      );
      acknowledgeWildcardResources(
        role,
        [...new Set(step.s3.map((statement) => statement.resource))],
        `one manifest per database under ${MANIFEST_PREFIX} (kept in every version under Object Lock), and one ` +
          `run's chunk plan and results under ${MANIFEST_CHUNKS_PREFIX}<database>/<run>/; nothing is deleted`,
      );
      const noDlq =
        'invoked only synchronously by the manifest job state machine (a dead-letter queue applies to ' +
        'asynchronous invocations only); a failure fails the execution, which raises the job alarm';
      for (const pack of ['HIPAA.Security', 'NIST.800.53.R5'])
        Validations.of(fn).acknowledge({ id: `${pack}-LambdaDLQ`, reason: noDlq });
      functions[handler] = fn;
    }
    this.functions = functions;
    this.workflow = new ManifestStateMachine(this, 'StateMachine', {
      plan: functions.plan,
      chunk: functions.chunk,
      finish: functions.finish,
      key: props.key,
      logRetention: props.logRetention,
    });
    const workflowRole = Validations.of(this.workflow.role);
    workflowRole.acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSamplingRules/Targets) and CloudWatch Logs vended log ' +
        'delivery (logs:CreateLogDelivery and friends) support no resource-level permissions; the statements ' +
        'name these actions only',
    });
    for (const fn of Object.values(functions)) {
      fn.grantInvoke(this.workflow.role);
      workflowRole.acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        reason: "Step Functions may invoke the job function's versions and aliases (`:*`); the function is named",
      });
    }
    const stateMachine = this.workflow.stateMachine;

    const deadLetters = deadLetterQueue(
      this,
      'DeadLetters',
      props.key,
      'the dead-letter queue of the manifest job (scheduled runs that could not be started after every retry)',
    );

    const schedulerRole = new ManagedPolicyRole(this, 'SchedulerRole', {
      assumedBy: thisAccountsService(this, 'scheduler.amazonaws.com'),
      description: 'EventBridge Scheduler runs the rxdr manifest job',
    });
    schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RunTheManifestJob',
        actions: ['states:StartExecution'],
        resources: [stateMachine.stateMachineArn],
      }),
    );
    schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'UnstartedRunsToTheDeadLetterQueue',
        actions: ['sqs:SendMessage'],
        resources: [deadLetters.queueArn],
      }),
    );
    schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ScheduleKey',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.key.keyArn],
      }),
    );
    for (const target of props.targets) {
      this.schedules.push(
        encryptedSchedule(this, `Schedule-${target.name}`, {
          description: `rxdr manifest of ${target.name} (${target.host ? 'read replica' : 'the database itself'}) to the evidence bucket`,
          expression: props.schedule,
          key: props.key,
          targetArn: stateMachine.stateMachineArn,
          role: schedulerRole,
          deadLetterArn: deadLetters.queueArn,
          input: stack.toJsonString({
            name: target.name,
            database: {
              secretArn: target.secretId,
              ...(target.host ? { host: target.host, port: POSTGRES_PORT } : {}),
            },
            statementTimeoutMs: timeoutSeconds * 1000,
            ...(target.selection ? { selection: target.selection } : {}),
            ...(target.requirePgaudit ? { requirePgaudit: true } : {}),
            ...(target.pharmacyTables ? { pharmacyTables: target.pharmacyTables } : {}),
            ...(target.parallelism ? { parallelism: target.parallelism } : {}),
            ...(target.chunkBytes ? { chunkBytes: target.chunkBytes } : {}),
          }),
          retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 },
        }),
      );
    }

    this.failedAlarm = new cloudwatch.Alarm(this, 'FailedAlarm', {
      alarmDescription:
        'rxdr manifest job failed: the next drill of the database validates against an older manifest or none, ' +
        'or an adopted database is missing pgaudit (the log names it; docs/runbooks/restore-drill.md)',
      metric: new cloudwatch.MathExpression({
        expression: 'failed + timedOut + aborted',
        usingMetrics: {
          failed: stateMachine.metricFailed({ period: Duration.hours(1), statistic: 'Sum' }),
          timedOut: stateMachine.metricTimedOut({ period: Duration.hours(1), statistic: 'Sum' }),
          aborted: stateMachine.metricAborted({ period: Duration.hours(1), statistic: 'Sum' }),
        },
        period: Duration.hours(1),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.failedAlarm.addAlarmAction(new actions.SnsAction(props.alertsTopic));
  }
}

export {
  adopterNetworkManifestTargets,
  manifestSettings,
  replicaManifestTargets,
  secondaryManifestTargets,
} from './manifest-targets';
