import type { Clock } from '../common/clock';
import type { Strategy } from './catalog';
import { failoverEvidence, type FailoverEvidenceContext } from './failover-steps/evidence';
import type { FailoverInput, FailoverState, Plan } from './failover-steps/state';
import type { FailoverProvider } from './provider';
import { required } from './failover-steps/required';
import { inProcessExecution, PhaseFailure, phaseRunner, storeRunEvidence, type RunbookRun } from './runbook-phases';

/** The phases `runFailover` reports, in order; the AWS state machine has one task (or wait loop) for each. */
export type FailoverPhase =
  | 'preflight'
  | 'approval'
  | 'freeze'
  | 'recover'
  | 'wait-available'
  | 'validate'
  | 'repoint'
  | 'verify'
  | 'unfreeze'
  | 'evidence';

/** What the approval gate decides: go on (with who approved), or stop. */
export type GateDecision = { readonly approvedBy: string; readonly comment?: string } | { readonly abort: string };

/**
 * The approval gate: in AWS a person runs `rxdr failover approve`; in-process a function decides. `replan`
 * runs preflight again for another strategy (the operator chose a different one) and returns the new plan.
 */
export type ApprovalGate = (
  plan: Plan,
  replan: (strategy: Strategy) => Promise<Plan>,
) => Promise<GateDecision & { readonly plan?: Plan }>;

export interface RunFailoverDeps {
  readonly provider: FailoverProvider;
  readonly clock: Clock;
  readonly approve: ApprovalGate;
  /**
   * Where and what the evidence describes (the database's tier and targets, the environment). Called once,
   * after the last phase and before the evidence is written: an in-process run cleans up here and says what it
   * removed (`cleanup`), a game day asks the operator to verify.
   */
  readonly evidence: (
    state: FailoverState,
    status: FailoverRun['status'],
  ) => Promise<Omit<FailoverEvidenceContext, 'provider'>>;
  /** Called after each phase with its duration and the state so far. */
  readonly onPhase?: (phase: FailoverPhase, durationMs: number, state: FailoverState) => void;
  /** Give up polling a recovery or repoint after this long. @default 600 */
  readonly pollTimeoutSeconds?: number;
  /** Poll interval; the AWS state machine backs off from 30 s, one machine needs far less. @default 0.2 */
  readonly pollSeconds?: number;
  readonly signal?: AbortSignal;
}

export type FailoverRun = RunbookRun<FailoverState>;

/**
 * Run a whole failover in-process with the phases the AWS state machine runs as tasks: preflight → approval
 * gate → freeze → recover and wait until available → validate → repoint and wait until in sync → verify →
 * evidence; a run that froze writes and did not complete asks the provider to lift the freeze. A failing phase is recorded as the state machine's Catch records it (`failure`, `failedStep`) and
 * the evidence says so; this never throws for a failover failure.
 */
export async function runFailover(input: FailoverInput, deps: RunFailoverDeps): Promise<FailoverRun> {
  const { provider, clock } = deps;
  const began = clock.now();
  let state: FailoverState = { input, execution: inProcessExecution(provider.name, 'failover', input.database, began) };
  const { phase, poll } = phaseRunner<FailoverState, FailoverPhase>({
    ...deps,
    get: () => state,
    set: (next) => (state = next),
  });

  let status: FailoverRun['status'] = 'completed';
  try {
    await phase('preflight', async () => ({ plan: await provider.preflight(state) }));
    const plan = required(state.plan, 'plan');
    if (plan.decision === 'blocked')
      throw new PhaseFailure(
        'preflight',
        { Error: 'Rxdr.StepFailed', Cause: `blocked: ${plan.blockers.join('; ')}` },
        'failed',
      );
    if (plan.decision === 'refused')
      throw new PhaseFailure(
        'preflight',
        {
          Error: 'Rxdr.StepFailed',
          Cause: `refused: ${plan.primary.detail}; fail over anyway only with a reason (force)`,
        },
        'failed',
      );
    if (plan.decision === 'dry-run') return await finish('completed');

    await phase('approval', async () => {
      const replan = async (strategy: Strategy): Promise<Plan> => {
        const replanned = await provider.preflight({ ...state, input: { ...state.input, strategy } });
        state = { ...state, input: { ...state.input, strategy }, plan: replanned };
        return replanned;
      };
      const decision = await deps.approve(required(state.plan, 'plan'), replan);
      if ('abort' in decision)
        throw new PhaseFailure('approval', { Error: 'Rxdr.Aborted', Cause: decision.abort }, 'aborted');
      const decided = decision.plan ?? required(state.plan, 'plan');
      if (decided.decision !== 'proceed')
        throw new PhaseFailure(
          'approval',
          { Error: 'Rxdr.StepFailed', Cause: `the chosen plan is ${decided.decision}: ${decided.blockers.join('; ')}` },
          'failed',
        );
      const now = clock.now().toISOString();
      return {
        plan: decided,
        approval: {
          approvedBy: decision.approvedBy,
          approvedAt: now,
          ...(decision.comment ? { comment: decision.comment } : {}),
        },
        activation: { startedAt: now, endedAt: now, activatedAt: now },
      };
    });
    const freeze = provider.freeze?.bind(provider);
    if (freeze) await phase('freeze', async () => ({ freeze: await freeze(state) }));
    await phase('recover', async () => ({ recovery: await provider.startRecovery(state) }));
    await phase('wait-available', async () => ({
      recovery: await poll(
        'the recovery',
        async () => {
          state = { ...state, recovery: await provider.checkRecovery(state) };
          return required(state.recovery, 'recovery');
        },
        (recovery) => recovery.status === 'available',
      ),
    }));
    await phase('validate', async () => ({ validation: await provider.validate(state) }));
    if (!required(state.validation, 'validation').passed) return await finish('failed');
    await phase('repoint', async () => {
      state = { ...state, repoint: await provider.repoint(state) };
      return {
        repoint: await poll(
          'the repoint',
          async () => {
            const current = required(state.repoint, 'repoint');
            return current.inSync ? current : provider.checkRepoint(state);
          },
          (repoint) => repoint.inSync,
        ),
      };
    });
    await phase('verify', async () => ({ verify: await provider.verify(state) }));
  } catch (error) {
    if (!(error instanceof PhaseFailure)) throw error;
    state = { ...state, failure: error.error, failedStep: error.step };
    status = error.status;
  }
  return finish(status);

  async function finish(final: FailoverRun['status']): Promise<FailoverRun> {
    if (final !== 'completed') await liftFreeze();
    const context = await deps.evidence(state, final);
    const evidence = failoverEvidence(state, final, { ...context, provider: provider.name }, clock.now());
    const stored = await storeRunEvidence(provider, evidence, clock, (ms) => deps.onPhase?.('evidence', ms, state));
    return { state, status: final, evidence, ...stored };
  }

  /** Not run as a `phase`: it must run after an abort too. A freeze that cannot be lifted joins the failure. */
  async function liftFreeze(): Promise<void> {
    const unfreeze = provider.unfreeze?.bind(provider);
    if (!state.freeze || !unfreeze) return;
    const started = clock.now().getTime();
    try {
      const record = await unfreeze(state);
      if (record) state = { ...state, unfreeze: record };
    } catch (error) {
      const cause = `${state.failure?.Cause ?? ''}; the write freeze could not be lifted: ${(error as Error).message}`;
      state = { ...state, failure: { Error: state.failure?.Error ?? 'Rxdr.StepFailed', Cause: cause } };
    }
    deps.onPhase?.('unfreeze', clock.now().getTime() - started, state);
  }
}
