import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { VALIDATOR_RETRY_ERRORS } from '../validation/chunk-states';

/**
 * The failover validator's Lambda timeout (its plan and its whole-table step): well under Lambda's 15 minutes,
 * so that a step that cannot finish is stopped by Lambda, retried once, and then fails the failover with
 * evidence instead of holding it; each statement stops at 300 s (the engine's default statement budget).
 */
export const VALIDATOR_FUNCTION_TIMEOUT = Duration.minutes(10);

/** Retries of one validator task after its first attempt (the task alone is redone, nothing before it). */
export const VALIDATOR_TASK_RETRIES = 2;

/**
 * A state of its own that invokes the failover validator directly, as the drill's Validate task runs: the
 * request the runbook step prepared (`requestPath`) in, the validator's answer at `resultPath`. Its timeout is
 * the function's plus a margin, so the state gives up only after Lambda has stopped the invocation (a retry
 * never runs beside a live attempt); a timed-out or throttled invocation is redone alone.
 */
export function validatorTask(
  scope: Construct,
  id: string,
  props: { readonly fn: lambda.IFunction; readonly requestPath: string; readonly resultPath: string },
): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: props.fn,
    payloadResponseOnly: true,
    inputPath: props.requestPath,
    resultPath: props.resultPath,
    retryOnServiceExceptions: false,
    taskTimeout: sfn.Timeout.duration(VALIDATOR_FUNCTION_TIMEOUT.plus(Duration.seconds(30))),
  });
  task.addRetry({
    errors: VALIDATOR_RETRY_ERRORS,
    interval: Duration.seconds(5),
    backoffRate: 2,
    maxAttempts: VALIDATOR_TASK_RETRIES,
  });
  return task;
}
