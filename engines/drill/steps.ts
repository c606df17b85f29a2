import type { EvidenceCheck, EvidenceTarget, EvidenceTargets } from '../evidence/schema';
import { Clock, secondsBetween } from '../common/clock';
import type { RecoverySource, RestoreHandle, RestoreProvider, SourceSelector } from './provider';
import type { DrillValidator } from './validator';

/**
 * The restore drill as a sequence of short steps over a JSON state. Each step is one Step Functions task in
 * AWS (the state machine loops `checkRestore`/`checkCleanup` with Wait states using `nextPollSeconds`) and
 * `runDrill` chains them in-process for local mode. Steps never throw for a provider or validator failure:
 * they record it in `state.failure` so cleanup and evidence still run.
 */

export type DrillStep =
  'predict' | 'pick-source' | 'start-restore' | 'wait-available' | 'validate' | 'targets' | 'cleanup' | 'aborted';

export interface PollPolicy {
  /** First wait after starting. @default 5 */
  readonly initialSeconds: number;
  /** Waits grow by this factor... @default 2 */
  readonly factor: number;
  /** ...up to this. @default 300 (few state transitions for a 45-minute restore) */
  readonly maxSeconds: number;
}

export const DEFAULT_POLL: PollPolicy = { initialSeconds: 5, factor: 2, maxSeconds: 300 };

export interface DrillInput {
  /** Unique per run (Step Functions execution name); restores are idempotent per id. */
  readonly drillId: string;
  readonly environment: string;
  readonly database: string;
  readonly tier: 1 | 2 | 3;
  readonly targets: EvidenceTargets;
  readonly selector: SourceSelector;
  readonly startedBy: string;
  readonly toolVersion: string;
  /** The moment the primary was lost (local drills, failovers): RTO counts from here instead of restore start. */
  readonly disasterAt?: string;
  /** Give up waiting for "available" after this long. */
  readonly restoreTimeoutSeconds: number;
  /** Give up confirming deletion after this long. @default restoreTimeoutSeconds */
  readonly deletionTimeoutSeconds?: number;
  readonly poll?: PollPolicy;
  /** Leave the restored database running (local `--keep`). */
  readonly keep?: boolean;
}

export interface PollState {
  readonly polls: number;
  /** How long to wait before the next describe call. */
  readonly nextPollSeconds: number;
}

export interface DrillState {
  readonly input: DrillInput;
  readonly startedAt: string;
  readonly source?: RecoverySource;
  readonly restore?: PollState & {
    readonly handle: RestoreHandle;
    readonly startedAt: string;
    readonly status: 'pending' | 'available';
    readonly detail?: string;
  };
  readonly available?: { readonly at: string; readonly target: EvidenceTarget; readonly checks: EvidenceCheck[] };
  readonly validation?: {
    readonly at: string;
    readonly passed: boolean;
    readonly achievedRpoSeconds?: number;
    readonly checks: EvidenceCheck[];
    readonly endpoint: string;
  };
  readonly failure?: { readonly step: DrillStep; readonly reason: string };
  readonly cleanup?: PollState & {
    readonly status: 'deleting' | 'deleted' | 'failed' | 'kept' | 'not-needed';
    readonly requestedAt: string;
    readonly finishedAt?: string;
    readonly message?: string;
  };
}

export interface DrillDeps {
  readonly provider: RestoreProvider;
  readonly validator: DrillValidator;
  readonly clock: Clock;
}

export function beginDrill(input: DrillInput, clock: Clock): DrillState {
  return { input, startedAt: clock.now().toISOString() };
}

/** Step 1: resolve the selector to one recovery point. */
export async function pickSource(state: DrillState, deps: Pick<DrillDeps, 'provider'>): Promise<DrillState> {
  if (state.failure) return state;
  try {
    const source = await deps.provider.findSource(state.input.database, state.input.selector);
    return { ...state, source };
  } catch (error) {
    return fail(state, 'pick-source', `no restorable source for ${state.input.database}: ${messageOf(error)}`);
  }
}

/** Step 2: start the restore (idempotent per drill id). */
export async function startRestore(
  state: DrillState,
  deps: Pick<DrillDeps, 'provider' | 'clock'>,
): Promise<DrillState> {
  if (state.failure || state.restore) return state;
  if (!state.source) return fail(state, 'start-restore', 'internal: startRestore called before pickSource');
  try {
    const handle = await deps.provider.startRestore(state.source, state.input.drillId);
    const poll = state.input.poll ?? DEFAULT_POLL;
    return {
      ...state,
      restore: {
        handle,
        startedAt: deps.clock.now().toISOString(),
        status: 'pending',
        polls: 0,
        nextPollSeconds: poll.initialSeconds,
      },
    };
  } catch (error) {
    return fail(state, 'start-restore', `restore of ${state.source.id} could not start: ${messageOf(error)}`);
  }
}

/** Step 3 (looped): one look at the restore; sets `available`, a failure, or the next wait. */
export async function checkRestore(
  state: DrillState,
  deps: Pick<DrillDeps, 'provider' | 'clock'>,
): Promise<DrillState> {
  if (state.failure || !state.restore || state.available) return state;
  const restore = state.restore;
  const now = deps.clock.now();
  let status;
  try {
    status = await deps.provider.describeRestore(restore.handle);
  } catch (error) {
    status = { state: 'pending' as const, detail: `describe failed (will retry): ${messageOf(error)}` };
  }
  if (status.state === 'available') {
    return {
      ...state,
      restore: { ...restore, status: 'available', polls: restore.polls + 1 },
      available: { at: now.toISOString(), target: status.target, checks: [...(status.checks ?? [])] },
    };
  }
  if (status.state === 'failed') {
    return fail(
      { ...state, restore: { ...restore, polls: restore.polls + 1 } },
      'wait-available',
      `restore ${restore.handle.id} failed: ${status.reason}`,
    );
  }
  const waited = secondsBetween(restore.startedAt, now);
  if (waited >= state.input.restoreTimeoutSeconds) {
    return fail(
      { ...state, restore: { ...restore, polls: restore.polls + 1 } },
      'wait-available',
      `restore ${restore.handle.id} was not available after ${waited} s (timeout ${state.input.restoreTimeoutSeconds} s)${status.detail ? `; last status: ${status.detail}` : ''}`,
    );
  }
  const next = nextWait(restore, state.input.poll ?? DEFAULT_POLL, state.input.restoreTimeoutSeconds - waited);
  return { ...state, restore: { ...restore, polls: restore.polls + 1, nextPollSeconds: next, detail: status.detail } };
}

/** Step 4: validate the restored database with the validation engine and the source's recovery point time. */
export async function validateRestore(state: DrillState, deps: DrillDeps): Promise<DrillState> {
  if (state.failure || !state.restore || !state.available || !state.source) return state;
  try {
    const connection = await deps.provider.connection(state.restore.handle);
    const result = await deps.validator.validate({
      connection,
      recoveryPointTime: new Date(state.source.recoveryPointTime),
      database: state.input.database,
    });
    const restoreChecks = state.available.checks;
    const restoreFailed = restoreChecks.some((check) => check.status === 'failed' || check.status === 'error');
    return {
      ...state,
      validation: {
        at: deps.clock.now().toISOString(),
        passed: result.passed && !restoreFailed,
        achievedRpoSeconds: result.achievedRpoSeconds,
        checks: [...restoreChecks, ...result.checks],
        endpoint: connection.display,
      },
    };
  } catch (error) {
    return fail(state, 'validate', `validation could not run: ${messageOf(error)}`);
  }
}

/** Step 5: ask for deletion of whatever the drill created (on every path). */
export async function requestCleanup(
  state: DrillState,
  deps: Pick<DrillDeps, 'provider' | 'clock'>,
): Promise<DrillState> {
  if (state.cleanup) return state;
  const now = deps.clock.now().toISOString();
  const poll = state.input.poll ?? DEFAULT_POLL;
  if (!state.restore)
    return {
      ...state,
      cleanup: { status: 'not-needed', requestedAt: now, finishedAt: now, polls: 0, nextPollSeconds: 0 },
    };
  if (state.input.keep) {
    return {
      ...state,
      cleanup: {
        status: 'kept',
        requestedAt: now,
        finishedAt: now,
        polls: 0,
        nextPollSeconds: 0,
        message: `kept on request: ${state.restore.handle.id}`,
      },
    };
  }
  try {
    await deps.provider.deleteRestored(state.restore.handle);
    return {
      ...state,
      cleanup: { status: 'deleting', requestedAt: now, polls: 0, nextPollSeconds: poll.initialSeconds },
    };
  } catch (error) {
    return {
      ...state,
      cleanup: {
        status: 'failed',
        requestedAt: now,
        finishedAt: now,
        polls: 0,
        nextPollSeconds: 0,
        message: `delete of ${state.restore.handle.id} failed: ${messageOf(error)}`,
      },
    };
  }
}

/** Step 6 (looped): confirm the restored instance is gone. */
export async function checkCleanup(
  state: DrillState,
  deps: Pick<DrillDeps, 'provider' | 'clock'>,
): Promise<DrillState> {
  const cleanup = state.cleanup;
  if (!cleanup || cleanup.status !== 'deleting' || !state.restore) return state;
  const now = deps.clock.now();
  let status;
  try {
    status = await deps.provider.describeDeletion(state.restore.handle);
  } catch (error) {
    status = { state: 'deleting' as const, detail: `describe failed (will retry): ${messageOf(error)}` };
  }
  const polls = cleanup.polls + 1;
  if (status.state === 'deleted')
    return { ...state, cleanup: { ...cleanup, status: 'deleted', polls, finishedAt: now.toISOString() } };
  if (status.state === 'failed')
    return {
      ...state,
      cleanup: { ...cleanup, status: 'failed', polls, finishedAt: now.toISOString(), message: status.reason },
    };
  const timeout = state.input.deletionTimeoutSeconds ?? state.input.restoreTimeoutSeconds;
  const waited = secondsBetween(cleanup.requestedAt, now);
  if (waited >= timeout) {
    return {
      ...state,
      cleanup: {
        ...cleanup,
        status: 'failed',
        polls,
        finishedAt: now.toISOString(),
        message: `${state.restore.handle.id} still not deleted after ${waited} s (timeout ${timeout} s)`,
      },
    };
  }
  return {
    ...state,
    cleanup: {
      ...cleanup,
      polls,
      nextPollSeconds: nextWait(cleanup, state.input.poll ?? DEFAULT_POLL, timeout - waited),
    },
  };
}

/** Mark the drill aborted (SIGINT, Step Functions abort handler): later steps skip to cleanup. */
export function abortDrill(state: DrillState, reason: string): DrillState {
  return state.failure ? state : fail(state, 'aborted', reason);
}

function nextWait(poll: Pick<PollState, 'nextPollSeconds'>, policy: PollPolicy, remainingSeconds: number): number {
  const grown = poll.nextPollSeconds * policy.factor;
  return Math.max(0, Math.min(grown, policy.maxSeconds, Math.ceil(remainingSeconds)));
}

export function fail(state: DrillState, step: DrillStep, reason: string): DrillState {
  return { ...state, failure: { step, reason } };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
