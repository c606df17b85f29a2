/**
 * The in-process run of a runbook (`runFailover`, `runFailback`): what both do around their own phases. Preflight
 * first (a blocked plan fails the run, a dry run ends it), then the runbook's phases, a failing phase recorded as
 * the state machine's Catch records it, and last the evidence, written through the provider.
 */
import type { Clock } from '../common/clock';
import type { EvidenceDocument } from '../evidence/schema';
import { required } from './failover-steps/required';
import {
  inProcessExecution,
  PhaseFailure,
  phaseRunner,
  storeRunEvidence,
  type PhaseRunnerOptions,
  type RunbookRun,
} from './runbook-phases';

/** What the approval gate decides: go on (with who approved), or stop. */
export type GateDecision = { readonly approvedBy: string; readonly comment?: string } | { readonly abort: string };

/** An abort at the approval gate ends the run as the state machine's Catch records it. */
export function assertApproved(
  decision: GateDecision,
): asserts decision is Extract<GateDecision, { readonly approvedBy: string }> {
  if ('abort' in decision)
    throw new PhaseFailure('approval', { Error: 'Rxdr.Aborted', Cause: decision.abort }, 'aborted');
}

/** The approval an approving decision records. */
export function approvalRecord(decision: Extract<GateDecision, { readonly approvedBy: string }>, approvedAt: string) {
  return {
    approvedBy: decision.approvedBy,
    approvedAt,
    ...(decision.comment ? { comment: decision.comment } : {}),
  };
}

/** What an in-process run is given besides its provider and approval gate. */
export interface RunbookRunDeps<S, P extends string, C> {
  readonly clock: Clock;
  /**
   * Where and what the evidence describes (the database's tier and targets, the environment). Called once,
   * after the last phase and before the evidence is written: an in-process run cleans up here and says what it
   * removed (`cleanup`), a game day asks the operator to verify.
   */
  readonly evidence: (state: S, status: RunbookRun<S>['status']) => Promise<C>;
  /** Called after each phase with its duration and the state so far. */
  readonly onPhase?: (phase: P, durationMs: number, state: S) => void;
  /** Give up polling a recovery, promotion or repoint after this long. @default 600 */
  readonly pollTimeoutSeconds?: number;
  /** Poll interval; the AWS state machine backs off from 30 s, one machine needs far less. @default 0.2 */
  readonly pollSeconds?: number;
  readonly signal?: AbortSignal;
}

/** The state every runbook's state has: its input, execution, plan and the failure a Catch records. */
interface RunbookState {
  readonly input: { readonly database: string };
  readonly execution: { id: string; name: string; startTime?: string | null };
  readonly plan?: { readonly decision: string; readonly blockers: readonly string[] };
  readonly failure?: { Error: string; Cause?: string | null };
  readonly failedStep?: string;
}

/** What a runbook's own phases work with: the run's state, and `phase` and `poll` from `phaseRunner`. */
export type RunContext<S extends object, P extends string> = ReturnType<typeof phaseRunner<S, P>> &
  Pick<PhaseRunnerOptions<S, P>, 'get' | 'set'>;

export interface Runbook<S extends RunbookState, P extends string, C> {
  readonly operation: 'failover' | 'failback';
  readonly provider: {
    readonly name: string;
    preflight(state: S): Promise<NonNullable<S['plan']>>;
    storeEvidence(doc: EvidenceDocument): Promise<string>;
  };
  /** The phases after a preflight that neither blocked nor was a dry run; the status they end the run with. */
  readonly phases: (run: RunContext<S, P>) => Promise<RunbookRun<S>['status']>;
  /** Runs before the evidence whatever the status (a failover that did not complete lifts its freeze here). */
  readonly settle?: (run: RunContext<S, P>, status: RunbookRun<S>['status']) => Promise<void>;
  /** The evidence document of the run. */
  readonly document: (
    state: S,
    status: RunbookRun<S>['status'],
    context: C & { provider: string },
    now: Date,
  ) => EvidenceDocument;
}

/** Run `runbook` in-process from `input`; this never throws for a failure of the runbook itself. */
export async function runRunbook<S extends RunbookState, P extends string, C>(
  runbook: Runbook<S, P, C>,
  input: S['input'],
  deps: RunbookRunDeps<S, P | 'preflight' | 'evidence', C>,
): Promise<RunbookRun<S>> {
  const { provider } = runbook;
  const { clock } = deps;
  const execution = inProcessExecution(provider.name, runbook.operation, input.database, clock.now());
  let state = { input, execution } as S;
  const get = () => state;
  const set = (next: S) => (state = next);
  const runner = phaseRunner<S, P | 'preflight' | 'evidence'>({ ...deps, get, set });
  const run: RunContext<S, P> = { ...runner, get, set };

  let status: RunbookRun<S>['status'] = 'completed';
  try {
    await runner.phase('preflight', async () => ({ plan: await provider.preflight(state) }) as Partial<S>);
    const plan = required(state.plan, 'plan');
    if (plan.decision === 'blocked')
      throw new PhaseFailure(
        'preflight',
        { Error: 'Rxdr.StepFailed', Cause: `blocked: ${plan.blockers.join('; ')}` },
        'failed',
      );
    if (plan.decision !== 'dry-run') status = await runbook.phases(run);
  } catch (error) {
    if (!(error instanceof PhaseFailure)) throw error;
    state = { ...state, failure: error.error, failedStep: error.step };
    status = error.status;
  }

  await runbook.settle?.(run, status);
  const context = await deps.evidence(state, status);
  const evidence = runbook.document(state, status, { ...context, provider: provider.name }, clock.now());
  const stored = await storeRunEvidence(provider, evidence, clock, (ms) => deps.onPhase?.('evidence', ms, state));
  return { state, status, evidence, ...stored };
}
