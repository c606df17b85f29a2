import type { Clock } from '../common/clock';
import type { EvidenceDocument } from '../evidence/schema';

/** A phase of an in-process runbook run failed (or was aborted): recorded as the state machine's Catch does. */
export class PhaseFailure extends Error {
  constructor(
    readonly step: string,
    readonly error: { Error: string; Cause: string },
    readonly status: 'failed' | 'aborted',
  ) {
    super(error.Cause);
  }
}

export interface PhaseRunnerOptions<S, P extends string> {
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  /** Give up polling after this long. @default 600 */
  readonly pollTimeoutSeconds?: number;
  /** @default 0.2 */
  readonly pollSeconds?: number;
  /** The run's state, read and replaced as phases finish. */
  readonly get: () => S;
  readonly set: (state: S) => void;
  readonly onPhase?: (phase: P, durationMs: number, state: S) => void;
}

/**
 * The two things an in-process runbook run (`runFailover`, `runFailback`) does with each phase: run it, merging
 * what it returns into the state and turning an error into a `PhaseFailure`; and poll a provider until a
 * recovery, promotion or repoint is done. The AWS state machines do the same with task states and wait loops.
 */
export function phaseRunner<S extends object, P extends string>(options: PhaseRunnerOptions<S, P>) {
  const { clock, signal } = options;
  const aborted = (name: string) =>
    new PhaseFailure(name, { Error: 'Rxdr.Aborted', Cause: abortReason(signal) }, 'aborted');
  const phase = async (name: P, body: () => Promise<Partial<S>>): Promise<void> => {
    if (signal?.aborted) throw aborted(name);
    const started = clock.now().getTime();
    try {
      options.set({ ...options.get(), ...(await body()) });
    } catch (error) {
      if (error instanceof PhaseFailure) throw error;
      const err = error instanceof Error ? error : new Error(String(error));
      throw new PhaseFailure(
        name,
        { Error: err.name === 'Error' ? 'Rxdr.StepFailed' : err.name, Cause: err.message },
        'failed',
      );
    } finally {
      options.onPhase?.(name, clock.now().getTime() - started, options.get());
    }
  };
  const poll = async <T>(what: string, look: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
    const deadline = clock.now().getTime() + (options.pollTimeoutSeconds ?? 600) * 1000;
    for (;;) {
      const value = await look();
      if (done(value)) return value;
      if (signal?.aborted) throw aborted(what);
      if (clock.now().getTime() > deadline)
        throw new Error(`${what} did not finish within ${options.pollTimeoutSeconds ?? 600} s`);
      await clock.sleep((options.pollSeconds ?? 0.2) * 1000, signal);
    }
  };
  return { phase, poll };
}

/** What an in-process runbook run (`runFailover`, `runFailback`) returns. */
export interface RunbookRun<S> {
  readonly state: S;
  readonly status: 'completed' | 'failed' | 'aborted';
  readonly evidence: EvidenceDocument;
  readonly evidenceLocation?: string;
  readonly evidenceError?: string;
}

/** The execution of an in-process run: id `<provider>:<operation>:<database>`, named with its start time. */
export function inProcessExecution(
  provider: string,
  operation: 'failover' | 'failback',
  database: string,
  began: Date,
): { id: string; name: string; startTime: string } {
  return {
    id: `${provider}:${operation}:${database}`,
    name: `${provider}-${operation}-${executionStamp(began)}`,
    startTime: began.toISOString(),
  };
}

/**
 * Write a run's evidence through its provider and report the `evidence` phase. Evidence that cannot be written
 * is returned as `evidenceError` (the run then counts as failed), not thrown: the caller still returns its result.
 */
export async function storeRunEvidence(
  provider: { storeEvidence(doc: EvidenceDocument): Promise<string> },
  evidence: EvidenceDocument,
  clock: Clock,
  onStored: (durationMs: number) => void,
): Promise<{ evidenceLocation?: string; evidenceError?: string }> {
  const started = clock.now().getTime();
  let stored: { evidenceLocation?: string; evidenceError?: string };
  try {
    stored = { evidenceLocation: await provider.storeEvidence(evidence) };
  } catch (error) {
    stored = { evidenceError: `evidence could not be written: ${(error as Error).message}` };
  }
  onStored(clock.now().getTime() - started);
  return stored;
}

/** The execution name of an in-process run: `<provider>-<operation>-<yyyymmddhhmmssmmm>`. */
export function executionStamp(at: Date): string {
  return at
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 17);
}

function abortReason(signal?: AbortSignal): string {
  return signal?.reason instanceof Error ? signal.reason.message : String(signal?.reason ?? 'aborted');
}
