import type { Clock } from '../../common/clock';
import type { RestoreProvider } from '../provider';
import {
  abortDrill,
  beginDrill,
  checkCleanup,
  checkRestore,
  DrillInput,
  DrillState,
  fail,
  pickSource,
  requestCleanup,
  startRestore,
  validateRestore,
} from '../steps';
import type { DrillValidator } from '../validator';
import { TransientAwsError } from './errors';
import { doesNotFitReason, stopsTheDrill } from './fit';
import { isTransientAwsError } from '../../common/aws-errors';
import { AwsRestoreProvider } from './provider';
import type { AwsClients, AwsDrillSettings } from './restore-provider-base';
import { AwsClusterRestoreProvider } from './cluster-provider';
import { drillItemSchema, DrillItemInput, parseEvent } from './types';

/**
 * One function per Task state of the drill state machine, each a thin adapter over the shared step logic
 * (`engines/drill/steps.ts`): parse the item, run the step with the AWS provider, schedule the next wait
 * (the timeout of the event-driven wait that follows).
 * A transient AWS error that made a step record a failure is thrown instead (`Rxdr.AwsTransient`), so Step
 * Functions retries the step with backoff; every step is idempotent, so a retry never creates a second instance.
 */

export interface TaskDeps {
  readonly clients: AwsClients;
  readonly settings: AwsDrillSettings;
  readonly clock: Clock;
}

export type DrillItem = ReturnType<typeof parseItem>;

export function parseItem(event: unknown) {
  const item = parseEvent(drillItemSchema, event, 'drill step event');
  return { ...item, drill: item.drill as unknown as DrillState };
}

/**
 * `wait.seconds` is the safety net of the event-driven wait that follows (the task's timeout): an RDS or AWS
 * Backup event normally ends the wait first. After a start it covers the previous drill's duration with this
 * margin, so that a drill running as long as the last one is never looked at before its event comes.
 */
export const FIRST_SAFETY_NET_SHARE = 1.25;

function firstWait(expectedSeconds: number | undefined, coreSeconds: number, timeoutSeconds: number): number {
  const expected = expectedSeconds ? Math.round(expectedSeconds * FIRST_SAFETY_NET_SHARE) : 0;
  return Math.max(0, Math.min(Math.max(coreSeconds, expected), timeoutSeconds));
}

export type Step = (state: DrillState, deps: { provider: RestoreProvider; clock: Clock }) => Promise<DrillState>;

export async function runStep(name: string, item: DrillItem, deps: TaskDeps, step: Step): Promise<DrillState> {
  let transient: unknown;
  const aws =
    item.database.kind === 'cluster'
      ? new AwsClusterRestoreProvider(deps.clients, deps.settings, item.database, item.run.executionId)
      : new AwsRestoreProvider(deps.clients, deps.settings, item.database, item.run.executionId);
  const watched = new Proxy(aws, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (error) {
          if (isTransientAwsError(error)) transient = error;
          throw error;
        }
      };
    },
  });
  const before = item.drill;
  const after = await step(before, { provider: watched, clock: deps.clock });
  const newlyFailed =
    (after.failure && !before.failure) || (after.cleanup?.status === 'failed' && before.cleanup?.status !== 'failed');
  if (transient !== undefined && newlyFailed) throw new TransientAwsError(name, transient);
  return after;
}

export const out = (item: DrillItem, drill: DrillState, waitSeconds = 0): DrillItemInput => ({
  drill: drill as unknown as DrillItemInput['drill'],
  database: item.database,
  run: item.run,
  expect: item.expect,
  // A task timeout must be positive: a wait of 0 is never taken (the step that asked for it has ended the drill).
  wait: { seconds: Math.max(1, Math.round(waitSeconds)) },
});

/** PickSource: begin the drill (once) and resolve the selector to one recovery point. */
export async function pickSourceTask(event: unknown, deps: TaskDeps): Promise<DrillItemInput> {
  const item = parseItem(event);
  const begun = item.drill.startedAt ? item.drill : beginWithinWindow(item, deps);
  return out(item, await runStep('PickSource', { ...item, drill: begun }, deps, pickSource));
}

/** Begin the drill, failed before anything is created when the Plan task predicted it cannot fit its window. */
function beginWithinWindow(item: DrillItem, deps: TaskDeps): DrillState {
  const begun = beginDrill(item.drill.input as DrillInput, deps.clock);
  const fit = item.expect.fit;
  return stopsTheDrill(fit) ? fail(begun, 'predict', doesNotFitReason(item.database.name, fit)) : begun;
}

/** StartRestore: AWS Backup restore job or RDS point-in-time restore into the drill network. */
export async function startRestoreTask(event: unknown, deps: TaskDeps): Promise<DrillItemInput> {
  const item = parseItem(event);
  const drill = await runStep('StartRestore', item, deps, startRestore);
  const wait = drill.restore
    ? firstWait(item.expect.restoreSeconds, drill.restore.nextPollSeconds, drill.input.restoreTimeoutSeconds)
    : 0;
  return out(item, drill, wait);
}

/** CheckRestore (looped): one DescribeDBInstances; available, failed, timed out, or wait again. */
export async function checkRestoreTask(event: unknown, deps: TaskDeps): Promise<DrillItemInput> {
  const item = parseItem(event);
  const drill = await runStep('CheckRestore', item, deps, checkRestore);
  return out(item, drill, drill.restore?.nextPollSeconds ?? 0);
}

/** Validate (VPC Lambda in the drill network): the validation engine against the restored instance. */
export async function validateTask(
  event: unknown,
  deps: TaskDeps & { validator: DrillValidator },
): Promise<DrillItemInput> {
  const item = parseItem(event);
  return out(
    item,
    await runStep('Validate', item, deps, (state, stepDeps) =>
      validateRestore(state, { ...stepDeps, validator: deps.validator }),
    ),
  );
}

/** RequestCleanup: on every path. A caught task failure arrives as `crash` and aborts the drill first. */
export async function requestCleanupTask(event: unknown, deps: TaskDeps): Promise<DrillItemInput> {
  const item = parseItem(event);
  const drill = item.crash ? abortDrill(item.drill, `step failed: ${describeCrash(item.crash)}`) : item.drill;
  const cleaned = await runStep('RequestCleanup', { ...item, drill, crash: undefined }, deps, requestCleanup);
  const wait =
    cleaned.cleanup?.status === 'deleting'
      ? firstWait(
          item.expect.deletionSeconds,
          cleaned.cleanup.nextPollSeconds,
          cleaned.input.deletionTimeoutSeconds ?? cleaned.input.restoreTimeoutSeconds,
        )
      : 0;
  return out(item, cleaned, wait);
}

/** CheckCleanup (looped): confirm the restored instance is gone (and re-request a deferred deletion). */
export async function checkCleanupTask(event: unknown, deps: TaskDeps): Promise<DrillItemInput> {
  const item = parseItem(event);
  const drill = await runStep('CheckCleanup', item, deps, checkCleanup);
  return out(item, drill, drill.cleanup?.nextPollSeconds ?? 0);
}

/** A Catch result's `{ Error, Cause }` as one line (Lambda causes are `{"errorMessage": …}` JSON). */
export function describeCrash(crash: { Error: string; Cause?: string }): string {
  let message = crash.Cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // a plain-text cause
  }
  return message ? `${crash.Error}: ${message}` : crash.Error;
}
