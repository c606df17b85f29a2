import type { Strategy } from './catalog';
import { failoverEvidence, type FailoverEvidenceContext } from './failover-steps/evidence';
import type { FailoverInput, FailoverState, Plan } from './failover-steps/state';
import type { FailoverProvider } from './provider';
import { required } from './failover-steps/required';
import { PhaseFailure, type RunbookRun } from './runbook-phases';
import { approvalRecord, assertApproved, runRunbook } from './runbook-run';
import type { GateDecision, RunbookRunDeps, RunContext } from './runbook-run';

export type { GateDecision };

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

/**
 * The approval gate: in AWS a person runs `rxdr failover approve`; in-process a function decides. `replan`
 * runs preflight again for another strategy (the operator chose a different one) and returns the new plan.
 */
export type ApprovalGate = (
  plan: Plan,
  replan: (strategy: Strategy) => Promise<Plan>,
) => Promise<GateDecision & { readonly plan?: Plan }>;

export interface RunFailoverDeps extends RunbookRunDeps<
  FailoverState,
  FailoverPhase,
  Omit<FailoverEvidenceContext, 'provider'>
> {
  readonly provider: FailoverProvider;
  readonly approve: ApprovalGate;
}

export type FailoverRun = RunbookRun<FailoverState>;

/**
 * Run a whole failover in-process with the phases the AWS state machine runs as tasks: preflight → approval
 * gate → freeze → recover and wait until available → validate → repoint and wait until in sync → verify →
 * evidence; a run that froze writes and did not complete asks the provider to lift the freeze. A failing phase
 * is recorded as the state machine's Catch records it (`failure`, `failedStep`) and the evidence says so; this
 * never throws for a failover failure.
 */
export async function runFailover(input: FailoverInput, deps: RunFailoverDeps): Promise<FailoverRun> {
  const { provider, clock } = deps;
  return runRunbook<FailoverState, FailoverPhase, Omit<FailoverEvidenceContext, 'provider'>>(
    {
      operation: 'failover',
      provider,
      phases,
      settle: async (run, status) => {
        if (status !== 'completed') await liftFreeze(run);
      },
      document: failoverEvidence,
    },
    input,
    deps,
  );

  async function phases(run: RunContext<FailoverState, FailoverPhase>): Promise<FailoverRun['status']> {
    const { phase, poll, get, set } = run;
    const plan = required(get().plan, 'plan');
    if (plan.decision === 'refused')
      throw new PhaseFailure(
        'preflight',
        {
          Error: 'Rxdr.StepFailed',
          Cause: `refused: ${plan.primary.detail}; fail over anyway only with a reason (force)`,
        },
        'failed',
      );

    await phase('approval', async () => {
      const replan = async (strategy: Strategy): Promise<Plan> => {
        const state = get();
        const replanned = await provider.preflight({ ...state, input: { ...state.input, strategy } });
        set({ ...get(), input: { ...get().input, strategy }, plan: replanned });
        return replanned;
      };
      const decision = await deps.approve(required(get().plan, 'plan'), replan);
      assertApproved(decision);
      const decided = decision.plan ?? required(get().plan, 'plan');
      if (decided.decision !== 'proceed')
        throw new PhaseFailure(
          'approval',
          { Error: 'Rxdr.StepFailed', Cause: `the chosen plan is ${decided.decision}: ${decided.blockers.join('; ')}` },
          'failed',
        );
      const now = clock.now().toISOString();
      return {
        plan: decided,
        approval: approvalRecord(decision, now),
        activation: { startedAt: now, endedAt: now, activatedAt: now },
      };
    });
    const freeze = provider.freeze?.bind(provider);
    if (freeze) await phase('freeze', async () => ({ freeze: await freeze(get()) }));
    await phase('recover', async () => ({ recovery: await provider.startRecovery(get()) }));
    await phase('wait-available', async () => ({
      recovery: await poll(
        'the recovery',
        async () => {
          set({ ...get(), recovery: await provider.checkRecovery(get()) });
          return required(get().recovery, 'recovery');
        },
        (recovery) => recovery.status === 'available',
      ),
    }));
    await phase('validate', async () => ({ validation: await provider.validate(get()) }));
    if (!required(get().validation, 'validation').passed) return 'failed';
    await phase('repoint', async () => {
      set({ ...get(), repoint: await provider.repoint(get()) });
      return {
        repoint: await poll(
          'the repoint',
          async () => {
            const current = required(get().repoint, 'repoint');
            return current.inSync ? current : provider.checkRepoint(get());
          },
          (repoint) => repoint.inSync,
        ),
      };
    });
    await phase('verify', async () => ({ verify: await provider.verify(get()) }));
    return 'completed';
  }

  /** Not run as a `phase`: it must run after an abort too. A freeze that cannot be lifted joins the failure. */
  async function liftFreeze({ get, set }: RunContext<FailoverState, FailoverPhase>): Promise<void> {
    const unfreeze = provider.unfreeze?.bind(provider);
    if (!get().freeze || !unfreeze) return;
    const started = clock.now().getTime();
    try {
      const record = await unfreeze(get());
      if (record) set({ ...get(), unfreeze: record });
    } catch (error) {
      const state = get();
      const cause = `${state.failure?.Cause ?? ''}; the write freeze could not be lifted: ${(error as Error).message}`;
      set({ ...state, failure: { Error: state.failure?.Error ?? 'Rxdr.StepFailed', Cause: cause } });
    }
    deps.onPhase?.('unfreeze', clock.now().getTime() - started, get());
  }
}
