import type { Clock } from '../common/clock';
import { failbackEvidence, type FailbackEvidenceContext } from './failback-steps/evidence';
import type { FailbackInput, FailbackPlan, FailbackState } from './failback-steps/state';
import { required } from './failover-steps/required';
import type { FailbackProvider } from './provider';
import type { GateDecision } from './run';
import { inProcessExecution, PhaseFailure, phaseRunner, storeRunEvidence, type RunbookRun } from './runbook-phases';

/** The phases `runFailback` reports, in order; the AWS failback state machine has one task (or wait loop) each. */
export type FailbackPhase =
  | 'preflight'
  | 'approval'
  | 'create-replica'
  | 'wait-replica'
  | 'freeze'
  | 'catch-up'
  | 'promote'
  | 'repoint'
  | 'verify'
  | 'unfreeze'
  | 'evidence';

export interface RunFailbackDeps {
  readonly provider: FailbackProvider;
  readonly clock: Clock;
  /** The approval gate: in AWS a person runs `rxdr failback approve`; in-process a function decides. */
  readonly approve: (plan: FailbackPlan) => Promise<GateDecision>;
  /** Where and what the evidence describes; called once, after the last phase, before the evidence is written. */
  readonly evidence: (
    state: FailbackState,
    status: FailbackRun['status'],
  ) => Promise<Omit<FailbackEvidenceContext, 'provider'>>;
  readonly onPhase?: (phase: FailbackPhase, durationMs: number, state: FailbackState) => void;
  /** @default 600 */
  readonly pollTimeoutSeconds?: number;
  /** @default 0.2 */
  readonly pollSeconds?: number;
  readonly signal?: AbortSignal;
}

export type FailbackRun = RunbookRun<FailbackState>;

/**
 * Run a whole failback in-process with the phases the AWS failback state machine runs as tasks: preflight →
 * approval → build a replica of the current primary on the primary side and wait for it → freeze writes → wait
 * until it has caught up → promote it and wait → repoint and wait until in sync → verify → lift the freeze →
 * evidence. A failing phase is recorded as the state machine's Catch records it; this never throws for a
 * failback failure. Like the state machine, a failure after the freeze leaves it set (the evidence says so).
 */
export async function runFailback(input: FailbackInput, deps: RunFailbackDeps): Promise<FailbackRun> {
  const { provider, clock } = deps;
  const began = clock.now();
  let state: FailbackState = { input, execution: inProcessExecution(provider.name, 'failback', input.database, began) };
  const { phase, poll } = phaseRunner<FailbackState, FailbackPhase>({
    ...deps,
    get: () => state,
    set: (next) => (state = next),
  });
  const until = async <K extends 'replica' | 'catchUp' | 'promotion' | 'repoint'>(
    what: string,
    key: K,
    check: (current: FailbackState) => Promise<NonNullable<FailbackState[K]>>,
    done: (value: NonNullable<FailbackState[K]>) => boolean,
  ): Promise<Partial<FailbackState>> => ({
    [key]: await poll(
      what,
      async () => {
        const current = state[key] as NonNullable<FailbackState[K]> | undefined;
        if (current && done(current)) return current;
        const next = await check(state);
        state = { ...state, [key]: next };
        return next;
      },
      done,
    ),
  });

  let status: FailbackRun['status'] = 'completed';
  try {
    await phase('preflight', async () => ({ plan: await provider.preflight(state) }));
    const plan = required(state.plan, 'plan');
    if (plan.decision === 'blocked')
      throw new PhaseFailure(
        'preflight',
        { Error: 'Rxdr.StepFailed', Cause: `blocked: ${plan.blockers.join('; ')}` },
        'failed',
      );
    if (plan.decision === 'dry-run') return await finish('completed');
    await phase('approval', async () => {
      const decision = await deps.approve(plan);
      if ('abort' in decision)
        throw new PhaseFailure('approval', { Error: 'Rxdr.Aborted', Cause: decision.abort }, 'aborted');
      return {
        approval: {
          approvedBy: decision.approvedBy,
          approvedAt: clock.now().toISOString(),
          ...(decision.comment ? { comment: decision.comment } : {}),
        },
      };
    });
    await phase('create-replica', async () => ({ replica: await provider.createReplica(state) }));
    await phase('wait-replica', () =>
      until(
        'the failback replica',
        'replica',
        (s) => provider.checkReplica(s),
        (r) => r.status === 'available',
      ),
    );
    await phase('freeze', async () => ({ freeze: await provider.freeze(state) }));
    await phase('catch-up', () =>
      until(
        'the catch-up',
        'catchUp',
        (s) => provider.checkCaughtUp(s),
        (c) => c.caughtUp,
      ),
    );
    await phase('promote', async () => ({ promotion: await provider.promote(state) }));
    await phase('promote', () =>
      until(
        'the promotion',
        'promotion',
        (s) => provider.checkPromoted(s),
        (p) => p.status === 'available',
      ),
    );
    await phase('repoint', async () => ({ repoint: await provider.repoint(state) }));
    await phase('repoint', () =>
      until(
        'the repoint',
        'repoint',
        (s) => provider.checkRepoint(s),
        (r) => r.inSync,
      ),
    );
    await phase('verify', async () => ({ verify: await provider.verify(state) }));
    await phase('unfreeze', async () => ({ unfreeze: await provider.unfreeze(state) }));
  } catch (error) {
    if (!(error instanceof PhaseFailure)) throw error;
    state = { ...state, failure: error.error, failedStep: error.step };
    status = error.status;
  }
  return finish(status);

  async function finish(final: FailbackRun['status']): Promise<FailbackRun> {
    const context = await deps.evidence(state, final);
    const evidence = failbackEvidence(state, final, { ...context, provider: provider.name }, clock.now());
    const stored = await storeRunEvidence(provider, evidence, clock, (ms) => deps.onPhase?.('evidence', ms, state));
    return { state, status: final, evidence, ...stored };
  }
}
