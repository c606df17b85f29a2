import type { EvidenceDocument } from '../evidence/schema';
import type { EvidenceStore } from '../evidence/store';
import { drillEvidence } from './evidence';
import {
  abortDrill,
  beginDrill,
  checkCleanup,
  checkRestore,
  DrillDeps,
  DrillInput,
  DrillState,
  messageOf,
  pickSource,
  requestCleanup,
  startRestore,
  validateRestore,
} from './steps';

/** The phases `runDrill` reports; the AWS state machine has one state (or Wait loop) per phase. */
export type DrillPhase =
  'pick-source' | 'start-restore' | 'wait-available' | 'validate' | 'cleanup' | 'record-evidence';

export interface RunDrillDeps extends DrillDeps {
  /** Where the evidence goes; without one the document is only returned. */
  readonly evidence?: EvidenceStore;
  /** Abort (SIGINT, a crash of the surrounding process): skips to cleanup, which still runs. */
  readonly signal?: AbortSignal;
  /** Called after each phase with its duration. */
  readonly onPhase?: (phase: DrillPhase, durationMs: number, state: DrillState) => void;
  /** Extra figures for the evidence `metrics`, read when the document is built. */
  readonly metrics?: () => Record<string, number>;
}

export interface DrillRun {
  readonly state: DrillState;
  readonly evidence: EvidenceDocument;
  /** Where `deps.evidence` stored the document; absent without a store or when storing failed. */
  readonly evidenceLocation?: string;
  readonly evidenceError?: string;
}

/**
 * Run a whole drill in-process with the same steps the AWS state machine runs as tasks:
 * pick source → start restore → poll until available (backoff, timeout) → validate → clean up on every
 * path and confirm deletion → record evidence. Never throws for a drill failure; the verdict is in the evidence.
 */
export async function runDrill(input: DrillInput, deps: RunDrillDeps): Promise<DrillRun> {
  const { clock, signal } = deps;
  let state = beginDrill(input, clock);

  const phase = async (name: DrillPhase, body: () => Promise<DrillState>): Promise<void> => {
    if (signal?.aborted && name !== 'cleanup') {
      state = abortDrill(state, `drill aborted before ${name}: ${abortReason(signal)}`);
      return;
    }
    const began = clock.now().getTime();
    try {
      state = await body();
    } catch (error) {
      // Steps record their own failures; this catches bugs so that cleanup still runs.
      state = abortDrill(state, `internal error in ${name}: ${messageOf(error)}`);
    }
    deps.onPhase?.(name, clock.now().getTime() - began, state);
  };

  await phase('pick-source', () => pickSource(state, deps));
  await phase('start-restore', () => startRestore(state, deps));
  await phase('wait-available', async () => {
    while (state.restore && !state.available && !state.failure) {
      if (signal?.aborted)
        return abortDrill(state, `drill aborted while waiting for the restore: ${abortReason(signal)}`);
      await clock.sleep(state.restore.nextPollSeconds * 1000, signal);
      state = await checkRestore(state, deps);
    }
    return state;
  });
  await phase('validate', () => validateRestore(state, deps));
  await phase('cleanup', async () => {
    state = await requestCleanup(state, deps);
    while (state.cleanup?.status === 'deleting') {
      await clock.sleep(state.cleanup.nextPollSeconds * 1000);
      state = await checkCleanup(state, deps);
    }
    return state;
  });

  const evidence = drillEvidence(state, deps.provider.name, clock.now(), deps.metrics?.());
  let evidenceLocation: string | undefined;
  let evidenceError: string | undefined;
  if (deps.evidence) {
    const began = clock.now().getTime();
    try {
      evidenceLocation = await deps.evidence.put(evidence);
    } catch (error) {
      evidenceError = `evidence could not be written: ${messageOf(error)}`;
    }
    deps.onPhase?.('record-evidence', clock.now().getTime() - began, state);
  }
  return { state, evidence, evidenceLocation, evidenceError };
}

function abortReason(signal: AbortSignal): string {
  return signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? 'aborted');
}
