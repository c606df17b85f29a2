import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { allowLogDeliveryToDecrypt, encryptedStateMachine } from '../encrypted-state-machine';
import type { ManagedPolicyRole } from '../managed-policy-role';
import type { EventWaits } from '../event-waits';
import { chunkedValidation } from '../validation/chunk-states';

export interface DrillStateMachineProps {
  readonly stateMachineName: string;
  /**
   * Plan, PickSource, StartRestore, CheckRestore, PlanChunks, ValidateChunk, Validate, RequestCleanup,
   * CheckCleanup, RecordEvidence, Notify.
   */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** The fleet, embedded in the definition (Plan's payload): no size limit of Lambda environment variables. */
  readonly fleet: Record<string, unknown>;
  /** Where the restore and deletion waits leave their task tokens for the events that end them. */
  readonly waits: EventWaits;
  readonly maxConcurrency: number;
  readonly timeout: Duration;
  readonly key: kms.IKey;
  readonly logRetention?: logs.RetentionDays;
}

/** Errors a task may be retried for: our transient AWS errors and the Lambda service's own. */
const TRANSIENT = [
  'Rxdr.AwsTransient',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/**
 * The drill workflow (Standard, JSONPath):
 *
 * Plan → Map(databases, maxConcurrency) { PickSource → StartRestore → [Available? → AwaitRestore → CheckRestore]
 * → PlanChunks → ValidateChunks(Map of ValidateChunk) → Validate → RequestCleanup → [Deleting? → AwaitCleanup → CheckCleanup] → RecordEvidence } → Notify → AllPassed?
 *
 * AwaitRestore/AwaitCleanup are `.waitForTaskToken` tasks ended by an RDS or AWS Backup event about the drill's
 * instance (see {@link EventWaits}); their timeout, `$.wait.seconds` (set by the steps: first ≈ the previous
 * drill's duration with a margin, then a slow safety net), ends a wait whose event was lost: either way the
 * Check step that follows describes the instance once and decides. Every task before cleanup catches into
 * RequestCleanup; cleanup tasks catch into RecordEvidence,
 * so cleanup and evidence run on every path inside the execution. A timeout or abort of the whole execution
 * is cleaned up by the orphan sweeper, triggered by the execution's status change.
 */
export class DrillStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly role: ManagedPolicyRole;

  constructor(scope: Construct, id: string, props: DrillStateMachineProps) {
    super(scope, id);
    const fn = (name: string) => {
      const f = props.functions[name];
      if (!f) throw new Error(`DrillStateMachine: no function for ${name}`);
      return f;
    };
    const task = (name: string, payload?: sfn.TaskInput, resultPath?: string) =>
      new tasks.LambdaInvoke(this, name, {
        lambdaFunction: fn(name),
        payloadResponseOnly: true,
        retryOnServiceExceptions: false,
        ...(payload ? { payload } : {}),
        ...(resultPath ? { resultPath } : {}),
      }).addRetry({
        errors: TRANSIENT,
        interval: Duration.seconds(2),
        backoffRate: 2,
        maxAttempts: 6,
      });

    const plan = task(
      'Plan',
      sfn.TaskInput.fromObject({
        request: sfn.JsonPath.objectAt('$$.Execution.Input'),
        execution: {
          id: sfn.JsonPath.executionId,
          name: sfn.JsonPath.executionName,
          startTime: sfn.JsonPath.stringAt('$$.Execution.StartTime'),
        },
        fleet: props.fleet,
      }),
    );
    const rejected = new sfn.Fail(this, 'InputRejected', { error: 'Rxdr.InvalidInput', causePath: '$.error.Cause' });
    plan.addCatch(rejected, { errors: ['States.ALL'], resultPath: '$.error' });

    // One database.
    const pickSource = task('PickSource');
    const startRestore = task('StartRestore');
    const checkRestore = task('CheckRestore');
    const validation = chunkedValidation(this, {
      plan: task('PlanChunks'),
      chunkFunction: fn('ValidateChunk'),
      fields: {
        handle: '$.drill.restore.handle',
        recoveryPointTime: '$.drill.source.recoveryPointTime',
        database: '$.database',
        run: '$.run',
      },
      finish: task('Validate'),
    });
    const requestCleanup = task('RequestCleanup');
    const checkCleanup = task('CheckCleanup');
    const awaitEvent = (id: string, check: sfn.IChainable) => {
      const wait = props.waits
        .waitTask(this, id, {
          instancePath: '$.drill.restore.handle.id',
          timeoutPath: '$.wait.seconds',
          resultPath: sfn.JsonPath.DISCARD,
        })
        .addRetry({ errors: TRANSIENT, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6 });
      // The safety net: no event before the timeout, so look once.
      wait.addCatch(check, { errors: ['States.Timeout'], resultPath: sfn.JsonPath.DISCARD });
      return wait;
    };
    const waitForRestore = awaitEvent('AwaitRestore', checkRestore);
    const waitForCleanup = awaitEvent('AwaitCleanup', checkCleanup);
    const recordEvidence = task('RecordEvidence');
    const evidenceNotRecorded = new sfn.Pass(this, 'EvidenceNotRecorded', {
      parameters: {
        'database.$': '$.database.name',
        'tierName.$': '$.database.tierName',
        result: 'failed',
        'failureReason.$': '$.crash.Cause',
        'targets.$': '$.database.targets',
        cleanup: 'unknown',
      },
    });
    for (const t of [
      pickSource,
      startRestore,
      waitForRestore,
      checkRestore,
      validation.plan,
      validation.map,
      validation.finish,
    ])
      t.addCatch(requestCleanup, { errors: ['States.ALL'], resultPath: '$.crash' });
    for (const t of [requestCleanup, waitForCleanup, checkCleanup])
      t.addCatch(recordEvidence, { errors: ['States.ALL'], resultPath: '$.crash' });
    recordEvidence.addCatch(evidenceNotRecorded, { errors: ['States.ALL'], resultPath: '$.crash' });

    const deleting = new sfn.Choice(this, 'Deleting?')
      .when(sfn.Condition.stringEquals('$.drill.cleanup.status', 'deleting'), waitForCleanup.next(checkCleanup))
      .otherwise(recordEvidence);
    checkCleanup.next(deleting);
    requestCleanup.next(deleting);
    const available = new sfn.Choice(this, 'Available?')
      .when(sfn.Condition.isPresent('$.drill.failure'), requestCleanup)
      .when(sfn.Condition.isPresent('$.drill.available'), validation.chain.next(requestCleanup))
      .otherwise(waitForRestore);
    waitForRestore.next(checkRestore).next(available);
    // Straight to the decision after the start: a drill that failed to start has no instance to wait on.
    const perDatabase = pickSource.next(startRestore).next(available);

    const map = new sfn.Map(this, 'DrillEachDatabase', {
      itemsPath: '$.drills',
      maxConcurrency: props.maxConcurrency,
      resultPath: '$.outcomes',
    });
    map.itemProcessor(perDatabase);

    const notify = task(
      'Notify',
      sfn.TaskInput.fromObject({
        runId: sfn.JsonPath.stringAt('$.runId'),
        environment: sfn.JsonPath.stringAt('$.environment'),
        startedBy: sfn.JsonPath.stringAt('$.startedBy'),
        outcomes: sfn.JsonPath.objectAt('$.outcomes'),
      }),
      '$.summary',
    );
    const allPassed = new sfn.Choice(this, 'AllPassed?')
      .when(
        sfn.Condition.numberGreaterThan('$.summary.failed', 0),
        new sfn.Fail(this, 'DrillFailed', { error: 'Rxdr.DrillFailed', causePath: '$.summary.reason' }),
      )
      .otherwise(new sfn.Succeed(this, 'DrillPassed'));
    notify.addCatch(
      new sfn.Fail(this, 'NotificationFailed', { error: 'Rxdr.NotificationFailed', causePath: '$.notifyError.Cause' }),
      { errors: ['States.ALL'], resultPath: '$.notifyError' },
    );

    const definition = plan.next(map).next(notify).next(allPassed);
    const { stateMachine, role } = encryptedStateMachine(this, {
      definition,
      stateMachineName: props.stateMachineName,
      timeout: props.timeout,
      comment: 'rxdr restore drill: restore into isolation, validate, record evidence, always clean up',
      roleDescription: `${props.stateMachineName}: invoke the drill functions, write logs and traces`,
      key: props.key,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
    });
    this.stateMachine = stateMachine;
    this.role = role;
    // Log delivery reads the key the drill's logs are encrypted with (the drill's stack owns the key).
    allowLogDeliveryToDecrypt(props.key, 'DrillLogDeliveryDecrypts');
  }
}
