import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { lambdaEntry } from '../lambda-entry';
import { TOOL_VERSION } from '../../project-root';
import { DrillFunction } from './drill-function';
import { DrillNetwork } from './drill-network';
import { DrillPermissions } from './drill-permissions';
import { DrillStateMachine } from './drill-state-machine';
import { EventWaits } from '../event-waits';
import { DRILL_INSTANCE_PREFIX } from '../../../engines/drill/aws/types';
import { ManagedPolicyRole } from '../managed-policy-role';
import { DRILL_ENV } from '../../../engines/drill/environment';
import { drillAlarms } from './drill-alarms';
import { acknowledgeDrillWildcards, grantDrillFunctions, hasClusters, publish } from './drill-grants';
import { pascal } from './construct-id';
import { chunkParallelismOf, DrillFunctions, RestoreDrillProps, validateProps } from './restore-drill-props';
import { CHUNK_FUNCTION_TIMEOUT, maxChunksPerDatabase } from '../validation/chunk-states';
import { DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_PARALLELISM } from '../../../engines/validation/chunks/plan';
import { checkSettingsEnvironment } from '../../../engines/validation/check-settings';

export type { DrillChunking, DrillDatabaseSpec, DrillFunctions, RestoreDrillProps } from './restore-drill-props';

/**
 * Scheduled restore drills in the recovery region: the drill network, the Lambdas (one per Task state),
 * the Standard state machine, its schedule(s), the orphan sweeper and the alarms.
 */
export class RestoreDrill extends Construct {
  readonly network: DrillNetwork;
  readonly stateMachine: sfn.StateMachine;
  readonly restoreRole: iam.Role;
  readonly functions: DrillFunctions;
  readonly sweeper: DrillFunction;
  readonly waits: EventWaits;
  readonly alarms: {
    readonly drillFailed: cloudwatch.Alarm;
    readonly missedSchedule: cloudwatch.Alarm;
    readonly rto: cloudwatch.Alarm[];
    readonly rpo: cloudwatch.Alarm[];
  };

  constructor(scope: Construct, id: string, props: RestoreDrillProps) {
    super(scope, id);
    validateProps(props);
    const stack = Stack.of(this);
    const stateMachineName = props.stateMachineName ?? `rxdr-${props.environmentName}-drill`;
    const executionArnPattern = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const stateMachineArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const guard = new DrillPermissions(this, executionArnPattern);

    this.network = new DrillNetwork(this, 'Network', {
      cidr: props.networkCidr,
      key: props.key,
      logRetention: props.logRetention,
      evidenceBucketName: props.evidenceBucket.bucketName,
    });

    // AWS Backup restores with this role: it may create drill-named instances only, in the drill network.
    this.restoreRole = new ManagedPolicyRole(this, 'BackupRestoreRole', {
      assumedBy: new iam.ServicePrincipal('backup.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
      }),
      description: 'AWS Backup restores drill instances (rxdr-drill-*) into the drill network',
    });
    this.restoreRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RestoreDrillInstancesOnly',
        actions: ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:CreateDBInstance'],
        resources: [
          guard.drillInstances,
          guard.rdsArn('snapshot', '*'),
          guard.rdsArn('subgrp', this.network.subnetGroup.subnetGroupName),
          guard.rdsArn('og', '*'),
          guard.rdsArn('pg', '*'),
        ],
      }),
    );
    this.restoreRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadSnapshots',
        actions: ['rds:DescribeDBSnapshots', 'rds:DescribeDBInstances'],
        resources: [guard.rdsArn('snapshot', '*'), guard.rdsArn('db', '*')],
      }),
    );
    if (hasClusters(props)) {
      // Aurora recovery points: AWS Backup restores a drill-named cluster (the drill adds its instance itself).
      this.restoreRole.addToPolicy(
        new iam.PolicyStatement({
          sid: 'RestoreDrillClustersOnly',
          actions: ['rds:RestoreDBClusterFromSnapshot'],
          resources: [
            guard.drillClusters,
            guard.rdsArn('cluster-snapshot', '*'),
            guard.rdsArn('subgrp', this.network.subnetGroup.subnetGroupName),
            guard.rdsArn('cluster-pg', '*'),
          ],
        }),
      );
      this.restoreRole.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ReadClusterSnapshots',
          actions: ['rds:DescribeDBClusterSnapshots', 'rds:DescribeDBClusters'],
          resources: [guard.rdsArn('cluster-snapshot', '*'), guard.rdsArn('cluster', '*')],
        }),
      );
    }
    for (const statement of guard.denyUntagged()) this.restoreRole.addToPolicy(statement);
    props.key.grant(
      this.restoreRole,
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:GenerateDataKeyWithoutPlaintext',
      'kms:ReEncryptFrom',
      'kms:ReEncryptTo',
    );
    // AWS Backup and RDS create the grant for the instance they restore: only grants for AWS resources.
    this.restoreRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'GrantsForRestoredInstances',
        actions: ['kms:CreateGrant'],
        resources: [props.key.keyArn],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    );

    const settings = {
      [DRILL_ENV.vaultName]: props.vault.backupVaultName,
      [DRILL_ENV.restoreRoleArn]: this.restoreRole.roleArn,
      [DRILL_ENV.subnetGroupName]: this.network.subnetGroup.subnetGroupName,
      [DRILL_ENV.securityGroupIds]: this.network.instanceSecurityGroup.securityGroupId,
      [DRILL_ENV.kmsKeyArn]: props.key.keyArn,
      [DRILL_ENV.instanceClass]: props.instanceClass,
      [DRILL_ENV.evidenceBucket]: props.evidenceBucket.bucketName,
      [DRILL_ENV.topicArn]: props.alertsTopic.topicArn,
      [DRILL_ENV.environment]: props.environmentName,
      ...(props.isolatedVault && props.vaultLostParameterName
        ? {
            [DRILL_ENV.isolatedVaultName]: props.isolatedVault.vaultName,
            [DRILL_ENV.vaultLostParameterName]: props.vaultLostParameterName,
          }
        : {}),
    };
    const entry = lambdaEntry('drill-steps');
    const reserved = props.maxConcurrency + 2;
    const make = (
      name: string,
      handler: string,
      description: string,
      extra: Partial<ConstructorParameters<typeof DrillFunction>[2]> = {},
    ) =>
      new DrillFunction(this, name, {
        entry,
        handler,
        description,
        key: props.key,
        environment: settings,
        reservedConcurrency: reserved,
        logRetention: props.logRetention,
        ...extra,
      });
    // The three validation functions connect to the restored copy: drill network, CA bundle, check settings.
    const validator = {
      memorySize: 1024,
      vpc: { vpc: this.network.vpc, securityGroups: [this.network.validatorSecurityGroup] },
      environment: {
        ...settings,
        ...checkSettingsEnvironment(Object.fromEntries(props.databases.map((d) => [d.name, d.validation]))),
      },
    };
    this.functions = {
      Plan: make('PlanFn', 'plan', 'rxdr drill: check the execution input and plan one drill per database', {
        reservedConcurrency: 2,
      }),
      PickSource: make(
        'PickSourceFn',
        'pickSource',
        'rxdr drill: newest recovery point or replicated automated backups',
      ),
      StartRestore: make(
        'StartRestoreFn',
        'startRestore',
        'rxdr drill: start the restore into the drill network (drill-tagged)',
      ),
      CheckRestore: make('CheckRestoreFn', 'checkRestore', 'rxdr drill: is the restored instance available yet?'),
      PlanChunks: make('PlanChunksFn', 'plan', 'rxdr drill: plan the validation chunks of the restored database', {
        ...validator,
        entry: lambdaEntry('validate-chunks'),
        timeout: Duration.minutes(2),
      }),
      ValidateChunk: make('ValidateChunkFn', 'chunk', 'rxdr drill: validate one chunk of the restored database', {
        ...validator,
        entry: lambdaEntry('validate-chunks'),
        timeout: CHUNK_FUNCTION_TIMEOUT,
        reservedConcurrency: props.maxConcurrency * chunkParallelismOf(props) + 2,
      }),
      Validate: make('ValidateFn', 'drill', 'rxdr drill: validate the restored database (VPC, drill network)', {
        ...validator,
        entry: lambdaEntry('validate'),
        timeout: Duration.minutes(15),
      }),
      RequestCleanup: make(
        'RequestCleanupFn',
        'requestCleanup',
        'rxdr drill: delete the restored instance (drill tag only)',
      ),
      CheckCleanup: make('CheckCleanupFn', 'checkCleanup', 'rxdr drill: is the restored instance gone?'),
      RecordEvidence: make(
        'RecordEvidenceFn',
        'recordEvidence',
        'rxdr drill: evidence to S3, metrics, AWS Backup validation result',
      ),
      Notify: make('NotifyFn', 'notify', 'rxdr drill: one SNS summary per run', { reservedConcurrency: 2 }),
    };
    grantDrillFunctions(this, props, guard);

    // Restores and deletions end with an RDS or AWS Backup event about the drill's instance or cluster: it resumes the wait.
    this.waits = new EventWaits(this, 'Waits', {
      key: props.key,
      instances: { prefixes: [DRILL_INSTANCE_PREFIX] },
      clusters: { prefixes: [DRILL_INSTANCE_PREFIX] },
      logRetention: props.logRetention,
    });
    this.waits.allowResumeOf(stateMachineArn);
    const drillStateMachine = new DrillStateMachine(this, 'StateMachine', {
      stateMachineName,
      waits: this.waits,
      functions: Object.fromEntries(Object.entries(this.functions).map(([k, v]) => [k, v.fn])),
      fleet: {
        environment: props.environmentName,
        toolVersion: props.toolVersion ?? TOOL_VERSION,
        restoreTimeoutSeconds: props.restoreTimeout.toSeconds(),
        deletionTimeoutSeconds: (props.deletionTimeout ?? Duration.hours(1)).toSeconds(),
        // The safety net of the event-driven waits: an event normally ends a wait long before this.
        poll: { initialSeconds: 900, factor: 1, maxSeconds: 900 },
        // The validation settings go to the Validate function's environment, not into the definition.
        databases: props.databases.map(({ validation: _validation, chunking, ...d }) => ({
          ...d,
          chunking: {
            parallelism: chunking?.parallelism ?? DEFAULT_CHUNK_PARALLELISM,
            chunkBytes: chunking?.chunkBytes ?? DEFAULT_CHUNK_BYTES,
            maxChunks: maxChunksPerDatabase(props.databases.length),
          },
        })),
      },
      maxConcurrency: props.maxConcurrency,
      timeout: props.timeout,
      key: props.key,
      logRetention: props.logRetention,
    });
    this.stateMachine = drillStateMachine.stateMachine;
    const smRole = Validations.of(drillStateMachine.role);
    smRole.acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSamplingRules/Targets) and CloudWatch ' +
        'Logs vended log delivery (logs:CreateLogDelivery and friends) support no resource-level ' +
        'permissions; the statements name these actions only',
    });
    for (const fn of [...Object.values(this.functions), this.waits.park]) {
      smRole.acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        reason:
          "Step Functions may invoke the drill function's versions and aliases (`:*`) besides its unqualified ARN; the function is named",
      });
    }

    // Schedules: EventBridge Scheduler starts the state machine with a role that may do only that.
    const schedulerRole = new ManagedPolicyRole(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
      }),
      description: 'EventBridge Scheduler starts rxdr restore drills',
      ...(props.schedulerRoleName ? { roleName: props.schedulerRoleName } : {}),
    });
    schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StartDrills',
        actions: ['states:StartExecution'],
        resources: [this.stateMachine.stateMachineArn],
      }),
    );
    for (const schedule of props.schedules) {
      new scheduler.CfnSchedule(this, `Schedule${pascal(schedule.name)}`, {
        description: `rxdr ${props.environmentName} restore drill (${schedule.tiers ? `tiers ${schedule.tiers.join(', ')}` : 'all databases'})`,
        scheduleExpression: schedule.expression,
        scheduleExpressionTimezone: props.timezone,
        flexibleTimeWindow: { mode: 'OFF' },
        state: 'ENABLED',
        kmsKeyArn: props.key.keyArn,
        target: {
          arn: this.stateMachine.stateMachineArn,
          roleArn: schedulerRole.roleArn,
          input: JSON.stringify({
            databases: 'all',
            ...(schedule.tiers ? { tiers: schedule.tiers } : {}),
            selector: { kind: 'latest' },
            startedBy: `schedule:${schedule.name}`,
          }),
          retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 86400 },
        },
      });
    }
    props.key.grant(schedulerRole, 'kms:Decrypt', 'kms:GenerateDataKey');
    // Asynchronous invocations of the sweeper (Scheduler, EventBridge) that fail every retry land here.
    const sweeperDlq = new sqs.Queue(this, 'SweeperDeadLetters', {
      encryptionMasterKey: props.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(sweeperDlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'this queue is itself the dead-letter queue of the orphan sweeper Lambda (asynchronous invocations that failed every retry); a dead-letter queue of a dead-letter queue would hold nothing',
    });

    // Orphan sweeper: daily, and as soon as an execution ends without finishing its own cleanup.
    const maxAge = props.timeout.toSeconds() + 3600;
    this.sweeper = new DrillFunction(this, 'SweeperFn', {
      entry: lambdaEntry('drill-sweeper'),
      handler: 'handler',
      description: 'rxdr drill: delete drill-tagged instances older than the longest drill; report each',
      key: props.key,
      reservedConcurrency: 2,
      timeout: Duration.minutes(5),
      logRetention: props.logRetention,
      environment: {
        ...settings,
        [DRILL_ENV.stateMachineArn]: stateMachineArn,
        [DRILL_ENV.maxAgeSeconds]: String(maxAge),
      },
      deadLetterQueue: sweeperDlq,
    });
    const sweeperRole = this.sweeper.role;
    sweeperRole.addToPrincipalPolicy(guard.describeInstances());
    sweeperRole.addToPrincipalPolicy(guard.deleteTagged());
    sweeperRole.addToPrincipalPolicy(guard.describeClusters());
    sweeperRole.addToPrincipalPolicy(guard.deleteTaggedClusters());
    for (const statement of guard.denyUntagged()) sweeperRole.addToPrincipalPolicy(statement);
    sweeperRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'LastDrillRun',
        actions: ['states:ListExecutions'],
        resources: [stateMachineArn],
      }),
    );
    publish(sweeperRole, props);
    const sweepRole = new ManagedPolicyRole(this, 'SweepScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
      }),
      description: 'EventBridge Scheduler runs the rxdr drill orphan sweeper',
    });
    sweepRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RunTheSweeper',
        actions: ['lambda:InvokeFunction'],
        resources: [this.sweeper.fn.functionArn],
      }),
    );
    props.key.grant(sweepRole, 'kms:Decrypt', 'kms:GenerateDataKey');
    new scheduler.CfnSchedule(this, 'SweepSchedule', {
      description: `rxdr ${props.environmentName} drill orphan sweep`,
      scheduleExpression: 'rate(1 day)',
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      kmsKeyArn: props.key.keyArn,
      target: {
        arn: this.sweeper.fn.functionArn,
        roleArn: sweepRole.roleArn,
        input: JSON.stringify({ mode: 'sweep' }),
        retryPolicy: { maximumRetryAttempts: 5, maximumEventAgeInSeconds: 3600 },
      },
    });
    new events.Rule(this, 'ExecutionEndedRule', {
      description: 'rxdr drill execution ended FAILED, TIMED_OUT or ABORTED: sweep its instances',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [this.stateMachine.stateMachineArn], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      },
      targets: [new eventTargets.LambdaFunction(this.sweeper.fn, { retryAttempts: 5 })],
    });

    this.alarms = drillAlarms(this, props);
    acknowledgeDrillWildcards(this, props, guard);
  }
}
