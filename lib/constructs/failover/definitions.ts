import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { EventWaits } from '../event-waits';
import { chunkedValidation } from '../validation/chunk-states';
import { awaitInstance } from './instance-waits';
import { validatorTask } from './validator-tasks';

/** Errors worth retrying: Lambda service hiccups and AWS throttling (the handler turns it into `Rxdr.Throttled`). */
export const RETRYABLE_ERRORS = [
  'Rxdr.Throttled',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

interface Builder {
  /** A Lambda step: `{ action, state: $ }` in, result at `resultPath`, retried on throttling, failures caught into `onFailure`. */
  step(id: string, action: string, resultPath: string, onFailure?: sfn.IChainable): tasks.LambdaInvoke;
  /** Wait `secondsPath`, run `check`, loop until `done` matches. */
  poll(id: string, secondsPath: string, check: tasks.LambdaInvoke, done: sfn.Condition, next: sfn.IChainable): sfn.Wait;
  /** Like `poll`, but the wait ends with the instance's next RDS or AWS Backup event (`Await<id>`). */
  awaitEvent(
    id: string,
    wait: { instance: string; seconds: string; step: string },
    check: tasks.LambdaInvoke,
    done: sfn.Condition,
    next: sfn.IChainable,
  ): tasks.LambdaInvoke;
  approval(id: string, timeout: Duration, onAbort: sfn.IChainable): tasks.LambdaInvoke;
  /** Where a failure of `step` goes: a Pass naming the step (`<id>Failed`, one per step), then failed evidence. */
  failedAt(id: string, step: string): sfn.Pass;
}

function builder(
  scope: Construct,
  fn: lambda.IFunction,
  waits: EventWaits,
  recordFailure: sfn.IChainable,
  stepNames: Map<string, sfn.Pass>,
): Builder {
  const failedAt = (id: string, step: string): sfn.Pass => {
    let pass = stepNames.get(step);
    if (!pass) {
      pass = new sfn.Pass(scope, `${id}Failed`, { result: sfn.Result.fromString(step), resultPath: '$.failedStep' });
      pass.next(recordFailure);
      stepNames.set(step, pass);
    }
    return pass;
  };
  const step: Builder['step'] = (id, action, resultPath, onFailure) => {
    const task = new tasks.LambdaInvoke(scope, id, {
      lambdaFunction: fn,
      payloadResponseOnly: true,
      payload: sfn.TaskInput.fromObject({ action, state: sfn.JsonPath.entirePayload }),
      resultPath,
      retryOnServiceExceptions: false,
      taskTimeout: sfn.Timeout.duration(Duration.minutes(3)),
    });
    task.addRetry({
      errors: RETRYABLE_ERRORS,
      interval: Duration.seconds(2),
      backoffRate: 2,
      maxAttempts: 6,
      jitterStrategy: sfn.JitterType.FULL,
    });
    task.addCatch(onFailure ?? failedAt(id, action), { errors: ['States.ALL'], resultPath: '$.failure' });
    return task;
  };
  const poll: Builder['poll'] = (id, secondsPath, check, done, next) => {
    const wait = new sfn.Wait(scope, `Wait${id}`, { time: sfn.WaitTime.secondsPath(secondsPath) });
    wait.next(check).next(new sfn.Choice(scope, `${id}Done`).when(done, next).otherwise(wait));
    return wait;
  };
  const approval: Builder['approval'] = (id, timeout, onAbort) => {
    const task = new tasks.LambdaInvoke(scope, id, {
      lambdaFunction: fn,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({
        action: 'request-approval',
        taskToken: sfn.JsonPath.taskToken,
        state: sfn.JsonPath.entirePayload,
      }),
      resultPath: '$.approval',
      retryOnServiceExceptions: false,
      taskTimeout: sfn.Timeout.duration(timeout),
    });
    task.addRetry({ errors: RETRYABLE_ERRORS, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6 });
    task.addCatch(onAbort, { errors: ['Rxdr.Aborted', 'States.Timeout'], resultPath: '$.failure' });
    task.addCatch(failedAt(id, 'approval'), { errors: ['States.ALL'], resultPath: '$.failure' });
    return task;
  };
  const awaitEvent: Builder['awaitEvent'] = (id, wait, check, done, next) =>
    awaitInstance(scope, {
      id: `Await${id}`,
      doneId: `${id}Done`,
      waits,
      instancePath: wait.instance,
      timeoutPath: wait.seconds,
      check,
      done,
      next,
      retryErrors: RETRYABLE_ERRORS,
      onFailure: failedAt(`Await${id}`, wait.step),
    });
  return { step, poll, awaitEvent, approval, failedAt };
}

/**
 * What every runbook ends with when it does not succeed: a failed step records failed evidence and notifies
 * (then fails the execution); an approval not given records the abort. `name` prefixes the state names.
 */
function endings(
  scope: Construct,
  fn: lambda.IFunction,
  waits: EventWaits,
  name: (state: string) => string,
  failure: { failedId: string; error: string; cause: string; abortedId: string },
): { b: Builder; aborted: sfn.Pass; recordFailure: sfn.IChainable } {
  const record = (id: string, action: string) => {
    const task = new tasks.LambdaInvoke(scope, name(id), {
      lambdaFunction: fn,
      payloadResponseOnly: true,
      payload: sfn.TaskInput.fromObject({ action, state: sfn.JsonPath.entirePayload }),
      resultPath: '$.evidence',
      retryOnServiceExceptions: false,
    });
    task.addRetry({ errors: RETRYABLE_ERRORS, interval: Duration.seconds(2), backoffRate: 2, maxAttempts: 6 });
    return task;
  };
  const recordFailure = record('RecordFailure', 'evidence-failed');
  recordFailure.next(new sfn.Fail(scope, failure.failedId, { error: failure.error, cause: failure.cause }));
  const aborted = new sfn.Pass(scope, name('ApprovalNotGiven'), {
    result: sfn.Result.fromString('approval'),
    resultPath: '$.failedStep',
  });
  aborted.next(record('RecordAbort', 'evidence-aborted')).next(
    new sfn.Fail(scope, failure.abortedId, {
      error: 'Rxdr.Aborted',
      cause: 'aborted by an operator or the approval timed out; nothing was changed',
    }),
  );
  return { b: builder(scope, fn, waits, recordFailure, new Map()), aborted, recordFailure };
}

function begin(scope: Construct, id = 'Begin'): sfn.Pass {
  return new sfn.Pass(scope, id, {
    parameters: {
      'input.$': '$',
      execution: { 'id.$': '$$.Execution.Id', 'name.$': '$$.Execution.Name', 'startTime.$': '$$.Execution.StartTime' },
    },
  });
}

/**
 * Preflight → (blocked | dry-run | refused) → approval gate → contingency notice → strategy → wait for the
 * recovered instance's events → validate in chunks (PrepareValidation, the runbook step that writes the
 * validator's requests → PlanChunks on the `validator` → ValidateChunks Map over `chunkValidator` → Validate,
 * the whole-table step on the `validator` → RecordValidation, the runbook step that turns its report into
 * evidence checks) → repoint → poll DNS (Route 53 has no event) → verify → notify → evidence. The validator's
 * plan and whole-table step are states of their own (`validatorTask`), each with its own timeout and retry, as
 * the drill's Validate task: the runbook function never waits for the database. Every step retries throttling
 * and, on failure, writes failed evidence and notifies; a new execution resumes from what it finds.
 */
export function failoverDefinition(
  scope: Construct,
  fn: lambda.IFunction,
  approvalTimeout: Duration,
  waits: EventWaits,
  validators: { readonly validator: lambda.IFunction; readonly chunkValidator: lambda.IFunction },
): sfn.IChainable {
  const { b, aborted, recordFailure } = endings(scope, fn, waits, (name) => name, {
    failedId: 'FailoverFailed',
    error: 'Rxdr.FailoverFailed',
    cause: 'a step failed: see the evidence document and the notice; start the failover again to resume',
    abortedId: 'FailoverAborted',
  });

  const preflight = b.step('Preflight', 'preflight', '$.plan');
  const approve = b.approval('RequestApproval', approvalTimeout, aborted);
  const activate = b.step('ActivateContingencyPlan', 'activate', '$.activation');
  const start = b.step('StartRecovery', 'start-recovery', '$.recovery');
  const checkRecovery = b.step('CheckRecovery', 'check-recovery', '$.recovery');
  // A failure anywhere in the chunked validation is the validate step's.
  const validationFailure = b.failedAt('Validate', 'validate');
  const prepare = b.step('PrepareValidation', 'prepare-validation', '$.validationRequests', validationFailure);
  const validation = chunkedValidation(scope, {
    plan: validatorTask(scope, 'PlanChunks', {
      fn: validators.validator,
      requestPath: '$.validationRequests.plan',
      resultPath: '$.chunking',
    }),
    chunkFunction: validators.chunkValidator,
    fields: {
      bucket: '$.validationRequests.manifest.bucket',
      database: '$.validationRequests.plan.database',
      databaseName: '$.validationRequests.plan.databaseName',
      recoveryPointTime: '$.validationRequests.recoveryPointTime',
    },
    finish: validatorTask(scope, 'Validate', {
      fn: validators.validator,
      requestPath: '$.validationRequests.wholeTable',
      resultPath: '$.validationReport',
    }),
  });
  for (const state of [validation.plan, validation.map, validation.finish])
    state.addCatch(validationFailure, { errors: ['States.ALL'], resultPath: '$.failure' });
  const recordValidation = b.step('RecordValidation', 'validate', '$.validation', validationFailure);
  const repoint = b.step('Repoint', 'repoint', '$.repoint');
  const checkRepoint = b.step('CheckRepoint', 'check-repoint', '$.repoint');
  const verify = b.step('Verify', 'verify', '$.verify');
  const notify = b.step('Notify', 'notify', '$.notify');
  const evidence = b.step('RecordEvidence', 'evidence', '$.evidence');

  const validationFailed = new sfn.Pass(scope, 'ValidationFailed', {
    result: sfn.Result.fromString('validate'),
    resultPath: '$.failedStep',
  });
  validationFailed.next(recordFailure);
  const verifyChain = verify.next(notify).next(evidence).next(new sfn.Succeed(scope, 'FailedOver'));
  const repointWait = b.poll(
    'Repoint',
    '$.repoint.waitSeconds',
    checkRepoint,
    sfn.Condition.booleanEquals('$.repoint.inSync', true),
    verifyChain,
  );
  const afterRepoint = new sfn.Choice(scope, 'RecordInSync')
    .when(sfn.Condition.booleanEquals('$.repoint.inSync', true), verifyChain)
    .otherwise(repointWait);
  const validated = new sfn.Choice(scope, 'ValidationPassed')
    .when(sfn.Condition.booleanEquals('$.validation.passed', true), repoint.next(afterRepoint))
    .otherwise(validationFailed);
  const recoveryWait = b.awaitEvent(
    'Recovery',
    { instance: '$.recovery.instanceIdentifier', seconds: '$.recovery.waitSeconds', step: 'await-recovery' },
    checkRecovery,
    sfn.Condition.stringEquals('$.recovery.status', 'available'),
    prepare.next(validation.chain).next(recordValidation).next(validated),
  );

  const decide = new sfn.Choice(scope, 'Decide')
    .when(
      sfn.Condition.stringEquals('$.plan.decision', 'blocked'),
      new sfn.Fail(scope, 'PreflightBlocked', {
        error: 'Rxdr.PreflightBlocked',
        cause: 'preflight found blockers (see the Preflight output: plan.blockers); nothing was changed',
      }),
    )
    .when(
      sfn.Condition.stringEquals('$.plan.decision', 'dry-run'),
      new sfn.Succeed(scope, 'DryRunPlan', { outputPath: '$.plan' }),
    )
    .when(
      sfn.Condition.stringEquals('$.plan.decision', 'refused'),
      new sfn.Fail(scope, 'PrimaryHealthy', {
        error: 'Rxdr.PrimaryHealthy',
        cause:
          'the primary looks healthy: refusing to fail over; to fail over anyway pass force.reason (rxdr failover start --force "<why>")',
      }),
    )
    .otherwise(approve.next(activate).next(start).next(recoveryWait));
  return begin(scope).next(preflight).next(decide);
}

/**
 * Preflight → approval → replica in the primary region → wait for its events → write freeze → poll catch-up
 * (zero lag: a metric, no event) → promote → repoint back → wait for the promotion's events → poll DNS → verify →
 * lift the freeze → evidence. The pointers move while the promotion runs, under the write freeze: the record
 * change and the promotion overlap instead of adding up, and no client writes to the old primary meanwhile.
 */
export function failbackDefinition(
  scope: Construct,
  fn: lambda.IFunction,
  approvalTimeout: Duration,
  waits: EventWaits,
): sfn.IChainable {
  const id = (name: string) => `Failback${name}`;
  const { b, aborted } = endings(scope, fn, waits, id, {
    failedId: id('Failed'),
    error: 'Rxdr.FailbackFailed',
    cause:
      'a step failed: see the evidence document and the notice (the write freeze stays set if it was set); start the failback again to resume',
    abortedId: id('Aborted'),
  });
  const preflight = b.step(id('Preflight'), 'preflight', '$.plan');
  const approve = b.approval(id('RequestApproval'), approvalTimeout, aborted);
  const create = b.step(id('CreateReplica'), 'create-replica', '$.replica');
  const checkReplica = b.step(id('CheckReplica'), 'check-replica', '$.replica');
  const freeze = b.step(id('FreezeWrites'), 'freeze', '$.freeze');
  const checkCaughtUp = b.step(id('CheckCaughtUp'), 'check-caught-up', '$.catchUp');
  const promote = b.step(id('Promote'), 'promote', '$.promotion');
  const checkPromoted = b.step(id('CheckPromoted'), 'check-promoted', '$.promotion');
  const repoint = b.step(id('Repoint'), 'repoint', '$.repoint');
  const checkRepoint = b.step(id('CheckRepoint'), 'check-repoint', '$.repoint');
  const verify = b.step(id('Verify'), 'verify', '$.verify');
  const unfreeze = b.step(id('Unfreeze'), 'unfreeze', '$.unfreeze');
  const evidence = b.step(id('RecordEvidence'), 'evidence', '$.evidence');

  const tail = verify
    .next(unfreeze)
    .next(evidence)
    .next(new sfn.Succeed(scope, id('Done')));
  b.poll(
    id('Repoint'),
    '$.repoint.waitSeconds',
    checkRepoint,
    sfn.Condition.booleanEquals('$.repoint.inSync', true),
    tail,
  );
  // The record change was started with the promotion: one look at it as soon as the promotion is done.
  const promotedWait = b.awaitEvent(
    id('Promotion'),
    { instance: '$.plan.replicaIdentifier', seconds: '$.promotion.waitSeconds', step: 'await-promotion' },
    checkPromoted,
    sfn.Condition.stringEquals('$.promotion.status', 'available'),
    checkRepoint,
  );
  const caughtUp = new sfn.Choice(scope, id('CaughtUp')).when(
    sfn.Condition.booleanEquals('$.catchUp.caughtUp', true),
    promote.next(repoint).next(promotedWait),
  );
  const catchUpWait = new sfn.Wait(scope, id('WaitCatchUp'), {
    time: sfn.WaitTime.secondsPath('$.catchUp.waitSeconds'),
  });
  caughtUp.otherwise(catchUpWait);
  catchUpWait.next(checkCaughtUp);
  checkCaughtUp.next(caughtUp);
  const replicaWait = b.awaitEvent(
    id('Replica'),
    { instance: '$.plan.replicaIdentifier', seconds: '$.replica.waitSeconds', step: 'await-replica' },
    checkReplica,
    sfn.Condition.stringEquals('$.replica.status', 'available'),
    freeze.next(checkCaughtUp),
  );

  const decide = new sfn.Choice(scope, id('Decide'))
    .when(
      sfn.Condition.stringEquals('$.plan.decision', 'blocked'),
      new sfn.Fail(scope, id('PreflightBlocked'), {
        error: 'Rxdr.PreflightBlocked',
        cause: 'preflight found blockers (see the Preflight output: plan.blockers); nothing was changed',
      }),
    )
    .when(
      sfn.Condition.stringEquals('$.plan.decision', 'dry-run'),
      new sfn.Succeed(scope, id('DryRunPlan'), { outputPath: '$.plan' }),
    )
    .otherwise(approve.next(create).next(replicaWait));
  return begin(scope, id('Begin')).next(preflight).next(decide);
}
