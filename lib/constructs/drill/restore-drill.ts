import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { TOOL_VERSION } from '../../project-root';
import { DrillFunction } from './drill-function';
import { drillEnvironment, drillFunctions } from './drill-functions';
import { DrillNetwork } from './drill-network';
import { DrillPermissions } from './drill-permissions';
import { drillRestoreRole } from './drill-restore-role';
import { scheduleDrillRuns } from './drill-scheduler';
import { DrillStateMachine } from './drill-state-machine';
import { drillSweeper } from './drill-sweeper';
import { EventWaits } from '../event-waits';
import { DRILL_INSTANCE_PREFIX } from '../../../engines/drill/aws/types';
import { drillAlarms } from './drill-alarms';
import { acknowledgeDrillWildcards, grantDrillFunctions, hasClusters } from './drill-grants';
import { chunkParallelismOf, DrillFunctions, RestoreDrillProps, validateProps } from './restore-drill-props';
import { maxChunksPerDatabase } from './chunk-states';
import { DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_PARALLELISM } from '../../../engines/validation/chunks/plan';

export type { DrillChunking, DrillDatabaseSpec, DrillFunctions, RestoreDrillProps } from './restore-drill-props';

/**
 * Scheduled restore drills in the recovery region: the drill network, the restore role, the Lambdas (one per Task
 * state), the Standard state machine, its schedule(s), the orphan sweeper and the alarms. Each part is built by its
 * own module from the props it needs; this construct wires them together.
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
    this.restoreRole = drillRestoreRole(this, guard, {
      key: props.key,
      subnetGroupName: this.network.subnetGroup.subnetGroupName,
      clusters: hasClusters(props),
    });
    const environment = drillEnvironment(props, this.restoreRole, this.network);
    this.functions = drillFunctions(this, {
      key: props.key,
      environment,
      network: this.network,
      validation: Object.fromEntries(props.databases.map((d) => [d.name, d.validation])),
      maxConcurrency: props.maxConcurrency,
      chunkParallelism: chunkParallelismOf(props),
      logRetention: props.logRetention,
    });
    grantDrillFunctions(this, props, guard);

    // Restores and deletions end with an RDS or AWS Backup event about the drill's instance or cluster: it resumes the wait.
    this.waits = new EventWaits(this, 'Waits', {
      key: props.key,
      instances: { prefixes: [DRILL_INSTANCE_PREFIX] },
      clusters: { prefixes: [DRILL_INSTANCE_PREFIX] },
      logRetention: props.logRetention,
    });
    this.waits.allowResumeOf(stateMachineArn);
    this.stateMachine = this.buildStateMachine(props, stateMachineName);

    scheduleDrillRuns(this, this.stateMachine, props);
    this.sweeper = drillSweeper(this, guard, {
      environmentName: props.environmentName,
      key: props.key,
      alertsTopic: props.alertsTopic,
      environment,
      stateMachine: this.stateMachine,
      stateMachineArn,
      timeout: props.timeout,
      logRetention: props.logRetention,
    });

    this.alarms = drillAlarms(this, props);
    acknowledgeDrillWildcards(this, props, guard);
  }

  /** The state machine over the functions and waits, with the fleet in its definition. */
  private buildStateMachine(props: RestoreDrillProps, stateMachineName: string): sfn.StateMachine {
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
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(fn.fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        reason:
          "Step Functions may invoke the drill function's versions and aliases (`:*`) besides its unqualified ARN; the function is named",
      });
    }
    return drillStateMachine.stateMachine;
  }
}
