import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { lambdaEntry } from '../lambda-entry';
import { TOOL_VERSION } from '../../version';
import { DrillFunction } from './drill-function';
import { DrillNetwork } from './drill-network';
import { DrillPermissions } from './drill-permissions';
import { DrillStateMachine } from './drill-state-machine';
import { acknowledgeWildcardResources } from '../../compliance/acknowledgements';
import { ManagedPolicyRole } from '../managed-policy-role';
import { MANIFEST_PREFIX } from '../../../engines/common/manifest-key';
import { DRILL_ENV } from '../../../engines/drill/environment';
import {
  DRILL_METRICS,
  drillAlarmDimensions,
  drillDatabaseDimensions,
  drillEnvironmentDimensions,
} from '../../../engines/common/metrics-contract';

/** One Lambda per Task state of the drill state machine. */
export interface DrillFunctions {
  readonly Plan: DrillFunction;
  readonly PickSource: DrillFunction;
  readonly StartRestore: DrillFunction;
  readonly CheckRestore: DrillFunction;
  readonly Validate: DrillFunction;
  readonly RequestCleanup: DrillFunction;
  readonly CheckCleanup: DrillFunction;
  readonly RecordEvidence: DrillFunction;
  readonly Notify: DrillFunction;
}

/** One protected database as the drill sees it (see `drillFleet` for how config becomes this). */
export interface DrillDatabaseSpec {
  /** Unique within the drill: evidence keys, metrics and drill instance names use it. */
  readonly name: string;
  /** The tier's name (a schedule's `tiers` selects by it). */
  readonly tierName: string;
  /** 1 warm standby, 2 pilot light, 3 backup and restore. */
  readonly tier: 1 | 2 | 3;
  /** The tier's objectives the achieved RTO/RPO are judged (and alarmed) against. */
  readonly targets: { readonly rtoSeconds: number; readonly rpoSeconds: number };
  /** Restore the newest recovery point in the vault, or point in time from replicated automated backups. */
  readonly source: 'backup' | 'point-in-time';
  /** ARN of the protected instance in the primary region. */
  readonly sourceArn: string;
  /** Replicated credentials secret in the recovery region (ARN or name). */
  readonly secretId: string;
  /** The database the validator connects to, e.g. "postgres". */
  readonly databaseName: string;
}

export interface RestoreDrillProps {
  /** Names the state machine (`rxdr-<environmentName>-drill`) and prefixes the evidence keys. */
  readonly environmentName: string;
  /**
   * Recorded in every evidence document.
   * @default - this package's version
   */
  readonly toolVersion?: string;
  /** The recovery region's customer-managed key (logs, environment variables, queues, schedules). */
  readonly key: kms.IKey;
  /** The vault in this region the drill restores recovery points from. */
  readonly vault: backup.IBackupVault;
  /** Where the evidence documents go, and where the manifests the validator compares with are. */
  readonly evidenceBucket: s3.IBucket;
  /** Drill summaries and alarms. */
  readonly alertsTopic: sns.ITopic;
  /** The databases the drill restores, one per Map iteration. */
  readonly databases: readonly DrillDatabaseSpec[];
  /** EventBridge Scheduler expressions: one schedule for all databases, or one per tier. */
  readonly schedules: readonly {
    readonly name: string;
    readonly expression: string;
    /** @default - every database */
    readonly tiers?: readonly string[];
  }[];
  /** IANA time zone the schedule expressions are read in, e.g. "America/New_York". */
  readonly timezone: string;
  /** Databases restored at once (inline Map, 1-40). */
  readonly maxConcurrency: number;
  /** RDS instance class of the restored copies, e.g. "db.t4g.medium". */
  readonly instanceClass: string;
  /** The whole run (state machine timeout). */
  readonly timeout: Duration;
  /** One restore's wait for "available". */
  readonly restoreTimeout: Duration;
  /** One deletion's wait for "gone". @default Duration.hours(1) */
  readonly deletionTimeout?: Duration;
  /** CIDR of the isolated drill VPC (it must not overlap the databases' networks). */
  readonly networkCidr: string;
  /** Days without a drill run before the missed-schedule alarm fires. */
  readonly maxDaysBetweenDrills: number;
  /** @default `rxdr-<environmentName>-drill` */
  readonly stateMachineName?: string;
  /**
   * Name of the role EventBridge Scheduler starts drills with. The "drill started outside its schedule"
   * alarm (governance) recognises scheduled runs by this name.
   * @default - CloudFormation names it
   */
  readonly schedulerRoleName?: string;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

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
      Validate: make('ValidateFn', 'handler', 'rxdr drill: validate the restored database (VPC, drill network)', {
        entry: lambdaEntry('drill-validate'),
        timeout: Duration.minutes(15),
        memorySize: 1024,
        vpc: { vpc: this.network.vpc, securityGroups: [this.network.validatorSecurityGroup] },
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
    this.grant(props, guard);

    const drillStateMachine = new DrillStateMachine(this, 'StateMachine', {
      stateMachineName,
      functions: Object.fromEntries(Object.entries(this.functions).map(([k, v]) => [k, v.fn])),
      fleet: {
        environment: props.environmentName,
        toolVersion: props.toolVersion ?? TOOL_VERSION,
        restoreTimeoutSeconds: props.restoreTimeout.toSeconds(),
        deletionTimeoutSeconds: (props.deletionTimeout ?? Duration.hours(1)).toSeconds(),
        poll: { initialSeconds: 30, factor: 2, maxSeconds: 120 },
        databases: props.databases.map((d) => ({ ...d })),
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
        'X-Ray (PutTraceSegments, PutTelemetryRecords, GetSamplingRules/Targets) and CloudWatch Logs vended log delivery (logs:CreateLogDelivery and friends) support no resource-level permissions; the statements name these actions only',
    });
    for (const fn of Object.values(this.functions)) {
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

    this.alarms = this.createAlarms(props);
    this.acknowledgeWildcards(props, guard);
  }

  private grant(props: RestoreDrillProps, guard: DrillPermissions): void {
    const f = this.functions;
    const add = (fn: DrillFunction, ...statements: iam.PolicyStatement[]) => {
      for (const statement of statements) fn.role.addToPrincipalPolicy(statement);
    };
    const all = Object.values(f);
    for (const fn of all) add(fn, ...guard.denyUntagged());
    const stack = Stack.of(this);
    const recoveryPoints = recoveryPointsOf(stack);
    const sourceArns = [...new Set(props.databases.map((d) => d.sourceArn))];

    add(
      f.PickSource,
      new iam.PolicyStatement({
        sid: 'ListRecoveryPoints',
        actions: ['backup:ListRecoveryPointsByBackupVault'],
        resources: [props.vault.backupVaultArn],
      }),
      new iam.PolicyStatement({
        sid: 'DescribeRecoveryPoint',
        actions: ['backup:DescribeRecoveryPoint'],
        resources: [recoveryPoints],
      }),
      new iam.PolicyStatement({
        sid: 'ReplicatedAutomatedBackups',
        actions: ['rds:DescribeDBInstanceAutomatedBackups'],
        resources: [guard.rdsArn('auto-backup', '*'), ...sourceArns],
      }),
    );
    add(
      f.StartRestore,
      guard.describeInstances(),
      ...guard.createTagged(
        ['rds:RestoreDBInstanceToPointInTime'],
        [
          guard.rdsArn('auto-backup', '*'),
          guard.rdsArn('subgrp', this.network.subnetGroup.subnetGroupName),
          guard.rdsArn('og', '*'),
          guard.rdsArn('pg', '*'),
          ...sourceArns,
        ],
      ),
      new iam.PolicyStatement({
        sid: 'StartBackupRestoreJob',
        actions: ['backup:StartRestoreJob'],
        resources: [recoveryPoints],
      }),
      new iam.PolicyStatement({
        sid: 'PassRestoreRoleToBackup',
        actions: ['iam:PassRole'],
        resources: [this.restoreRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'backup.amazonaws.com' } },
      }),
    );
    // Describe/claim on the way; DescribeRestoreJob has no resource-level permissions.
    const describeJob = new iam.PolicyStatement({
      sid: 'DescribeRestoreJob',
      actions: ['backup:DescribeRestoreJob'],
      resources: ['*'],
    });
    for (const fn of [f.CheckRestore, f.Validate, f.RequestCleanup, f.CheckCleanup])
      add(fn, guard.describeInstances(), describeJob);
    for (const fn of [f.CheckRestore, f.RequestCleanup, f.CheckCleanup]) add(fn, guard.tagOnCreateOrClaim());
    for (const fn of [f.RequestCleanup, f.CheckCleanup]) add(fn, guard.deleteTagged());
    const secrets = props.databases.map((d) =>
      d.secretId.startsWith('arn:')
        ? d.secretId
        : stack.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: `${d.secretId}-??????`,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
    );
    add(
      f.Validate,
      new iam.PolicyStatement({
        sid: 'ReadReplicatedCredentials',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [...new Set(secrets)],
      }),
    );
    // Manifests: every version of manifests/<database>.json (the drill picks the newest taken before the recovery point).
    const bucket = props.evidenceBucket;
    add(
      f.Validate,
      new iam.PolicyStatement({
        sid: 'ListManifestVersions',
        actions: ['s3:ListBucketVersions'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${MANIFEST_PREFIX}*`] } },
      }),
      new iam.PolicyStatement({
        sid: 'ReadManifests',
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [bucket.arnForObjects(`${MANIFEST_PREFIX}*`)],
      }),
    );
    // Evidence of this environment: the previous drills' durations (Plan) and the new documents (RecordEvidence).
    const evidencePrefix = `${props.environmentName}/`;
    add(
      f.Plan,
      new iam.PolicyStatement({
        sid: 'ListEvidence',
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${evidencePrefix}*`] } },
      }),
      new iam.PolicyStatement({
        sid: 'ReadEvidence',
        actions: ['s3:GetObject'],
        resources: [bucket.arnForObjects(`${evidencePrefix}*`)],
      }),
    );
    // GetObject: a retried RecordEvidence reads back what its earlier attempt wrote (S3 answered 412).
    add(
      f.RecordEvidence,
      new iam.PolicyStatement({
        sid: 'WriteEvidence',
        actions: ['s3:PutObject', 's3:GetObject'],
        resources: [bucket.arnForObjects(`${evidencePrefix}*`)],
      }),
    );
    for (const fn of [f.Validate, f.Plan]) props.key.grant(fn.role, 'kms:Decrypt');
    props.key.grant(f.RecordEvidence.role, 'kms:GenerateDataKey', 'kms:Decrypt');
    add(
      f.RecordEvidence,
      new iam.PolicyStatement({
        sid: 'ReportRestoreValidation',
        actions: ['backup:PutRestoreValidationResult'],
        resources: ['*'],
      }),
    );
    publish(f.Notify.role, props);
  }

  /**
   * The wildcard resources left after scoping, each acknowledged on the one role that needs it, with why.
   * (No wildcard actions: every statement names its actions.)
   */
  private acknowledgeWildcards(props: RestoreDrillProps, guard: DrillPermissions): void {
    const f = this.functions;
    // Built from the expressions the statements use, so that they match however the stack renders ARNs.
    const ack = (role: iam.IRole, resource: string, reason: string) =>
      acknowledgeWildcardResources(role, [resource], reason);
    const rds = (resource: string, name: string) => guard.rdsArn(resource, name);
    const noResourceLevel = (actions: string) =>
      `${actions} support no resource-level permissions (Service Authorization Reference: resource type column empty), so the statement names these actions only`;
    const drillInstances =
      'drill instances are named rxdr-drill-<database>-<hash of the execution> at run time; the create statements also require the rxdr:drill request tag (an execution of this state machine), and delete/modify are denied on anything without it';
    const anyDb =
      'describe, tag-conditioned delete and the explicit deny on untagged instances must match every instance ARN (db:*): the conditions (rds:db-tag/rxdr:drill, Null deny) do the scoping';
    ack(this.restoreRole, guard.drillInstances, drillInstances);
    ack(this.restoreRole, rds('db', '*'), anyDb);
    ack(
      this.restoreRole,
      rds('snapshot', '*'),
      "AWS Backup restores from the recovery point's snapshot, whose identifier (awsbackup:job-…) is known only when the recovery point is chosen at run time",
    );
    for (const role of [this.restoreRole, f.StartRestore.role]) {
      ack(
        role,
        rds('og', '*'),
        'RestoreDBInstance* authorizes the option group the snapshot carries (default:postgres-<major>), which depends on the engine version of the recovery point',
      );
      ack(
        role,
        rds('pg', '*'),
        "RestoreDBInstance* authorizes the parameter group the source used (the reference instance's group or an adopter's), which the drill does not know at synth",
      );
    }
    for (const fn of [f.StartRestore, f.CheckRestore, f.RequestCleanup, f.CheckCleanup])
      ack(fn.role, guard.drillInstances, drillInstances);
    for (const fn of [f.StartRestore, f.CheckRestore, f.Validate, f.RequestCleanup, f.CheckCleanup, this.sweeper])
      ack(fn.role, rds('db', '*'), anyDb);
    for (const fn of [f.PickSource, f.StartRestore]) {
      ack(
        fn.role,
        rds('auto-backup', '*'),
        'replicated automated backups get an ARN (auto-backup:ab-…) from RDS when replication starts; the statement also names the source instance ARNs',
      );
      ack(
        fn.role,
        recoveryPointsOf(Stack.of(this)),
        'recovery point ids are created by every backup job; the vault is named in ListRecoveryPointsByBackupVault, and the drill refuses a recovery point of another resource',
      );
    }
    const describeJob = noResourceLevel('backup:DescribeRestoreJob');
    for (const fn of [f.CheckRestore, f.Validate, f.RequestCleanup, f.CheckCleanup]) ack(fn.role, '*', describeJob);
    ack(f.RecordEvidence.role, '*', noResourceLevel('backup:PutRestoreValidationResult'));
    const manifests = `manifests are one object per database under ${MANIFEST_PREFIX} (read-only, every version)`;
    ack(f.Validate.role, props.evidenceBucket.arnForObjects(`${MANIFEST_PREFIX}*`), manifests);
    const evidence = `evidence documents are keyed <environment>/<database>/<start>-drill-<run>.json, one new object per drill (Object Lock: never overwritten); access is limited to this environment's prefix`;
    for (const fn of [f.Plan, f.RecordEvidence])
      ack(fn.role, props.evidenceBucket.arnForObjects(`${props.environmentName}/*`), evidence);
  }

  private createAlarms(props: RestoreDrillProps) {
    const topic = new actions.SnsAction(props.alertsTopic);
    const sm = this.stateMachine;
    const drillFailed = new cloudwatch.Alarm(this, 'DrillFailedAlarm', {
      alarmDescription: `rxdr ${props.environmentName}: a restore drill failed, timed out or was aborted (runbook: docs/runbooks/restore-drill.md)`,
      metric: new cloudwatch.MathExpression({
        expression: 'failed + timedOut + aborted',
        usingMetrics: {
          failed: sm.metricFailed({ statistic: 'Sum' }),
          timedOut: sm.metricTimedOut({ statistic: 'Sum' }),
          aborted: sm.metricAborted({ statistic: 'Sum' }),
        },
        period: Duration.hours(1),
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Dimensions exactly as the sweeper (per environment) and the recorder (per database) publish them.
    const metric = (name: string, dimensions: Record<string, string>, statistic: string, period: Duration) =>
      new cloudwatch.Metric({
        namespace: DRILL_METRICS.namespace,
        metricName: name,
        dimensionsMap: drillAlarmDimensions(dimensions),
        statistic,
        period,
      });
    const missedSchedule = new cloudwatch.Alarm(this, 'MissedScheduleAlarm', {
      alarmDescription: `rxdr ${props.environmentName}: no restore drill has run for more than ${props.maxDaysBetweenDrills} days (or the sweeper that measures it stopped)`,
      metric: metric(
        DRILL_METRICS.hoursSinceLastDrill,
        drillEnvironmentDimensions(props.environmentName),
        'Maximum',
        Duration.days(1),
      ),
      threshold: props.maxDaysBetweenDrills * 24,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    const target = (what: 'Rto' | 'Rpo', db: DrillDatabaseSpec) =>
      new cloudwatch.Alarm(this, `${what}Alarm${pascal(db.name)}`, {
        alarmDescription: `rxdr ${props.environmentName}: ${db.name} drill achieved ${what.toUpperCase()} above the ${db.tierName} target of ${what === 'Rto' ? db.targets.rtoSeconds : db.targets.rpoSeconds} s`,
        metric: metric(
          what === 'Rto' ? DRILL_METRICS.achievedRtoSeconds : DRILL_METRICS.achievedRpoSeconds,
          drillDatabaseDimensions(props.environmentName, db.name),
          'Maximum',
          Duration.hours(1),
        ),
        threshold: what === 'Rto' ? db.targets.rtoSeconds : db.targets.rpoSeconds,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const rto = props.databases.map((db) => target('Rto', db));
    const rpo = props.databases.map((db) => target('Rpo', db));
    for (const alarm of [drillFailed, missedSchedule, ...rto, ...rpo]) alarm.addAlarmAction(topic);
    return { drillFailed, missedSchedule, rto, rpo };
  }
}

/** Publish to the alerts topic, and use its CMK for that (no `kms:GenerateDataKey*` wildcard). */
function publish(role: iam.IRole, props: RestoreDrillProps): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'PublishAlerts',
      actions: ['sns:Publish'],
      resources: [props.alertsTopic.topicArn],
    }),
  );
  props.key.grant(role, 'kms:GenerateDataKey', 'kms:Decrypt');
}

function validateProps(props: RestoreDrillProps): void {
  const problems: string[] = [];
  if (props.databases.length === 0) problems.push('databases: at least one database, got none');
  if (!Number.isInteger(props.maxConcurrency) || props.maxConcurrency < 1 || props.maxConcurrency > 40)
    problems.push(`maxConcurrency must be 1-40 (inline Map), got ${props.maxConcurrency}`);
  if (props.schedules.length === 0) problems.push('schedules: at least one schedule, got none');
  if (props.restoreTimeout.toSeconds() >= props.timeout.toSeconds()) {
    problems.push(
      `restoreTimeout (${props.restoreTimeout.toMinutes()} min) must be shorter than the run's timeout (${props.timeout.toMinutes()} min), or cleanup cannot run in the execution`,
    );
  }
  const names = props.databases.map((d) => d.name);
  const dupes = names.filter((n, i) => names.indexOf(n) !== i);
  if (dupes.length > 0) problems.push(`databases: duplicate names ${[...new Set(dupes)].join(', ')}`);
  if (problems.length > 0) throw new Error(`RestoreDrill: ${problems.join('; ')}`);
}

function pascal(name: string): string {
  return name.replace(/(^|[^a-zA-Z0-9])([a-zA-Z0-9])/g, (_m, _s, c: string) => c.toUpperCase());
}

/** Every recovery point of the stack's account and region (ids are assigned by AWS Backup). */
function recoveryPointsOf(stack: Stack): string {
  return stack.formatArn({
    service: 'backup',
    resource: 'recovery-point',
    resourceName: '*',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
