import { failbackEvidence, type FailbackEvidenceContext } from './failback-steps/evidence';
import type { FailbackInput, FailbackPlan, FailbackState } from './failback-steps/state';
import { required } from './failover-steps/required';
import type { FailbackProvider } from './provider';
import type { RunbookRun } from './runbook-phases';
import { approvalRecord, assertApproved, runRunbook } from './runbook-run';
import type { GateDecision, RunbookRunDeps, RunContext } from './runbook-run';

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

export interface RunFailbackDeps extends RunbookRunDeps<
  FailbackState,
  FailbackPhase,
  Omit<FailbackEvidenceContext, 'provider'>
> {
  readonly provider: FailbackProvider;
  /** The approval gate: in AWS a person runs `rxdr failback approve`; in-process a function decides. */
  readonly approve: (plan: FailbackPlan) => Promise<GateDecision>;
}

export type FailbackRun = RunbookRun<FailbackState>;

/**
 * Run a whole failback in-process with the phases the AWS failback state machine runs as tasks: preflight →
 * approval → build a replica of the current primary on the primary side and wait for it → freeze writes → wait
 * until it has caught up → promote it → repoint → wait for the promotion, then until the repoint is in sync →
 * verify → lift the freeze → evidence. A failing phase is recorded as the state machine's Catch records it; this never throws for a
 * failback failure. Like the state machine, a failure after the freeze leaves it set (the evidence says so).
 */
export async function runFailback(input: FailbackInput, deps: RunFailbackDeps): Promise<FailbackRun> {
  const { provider, clock } = deps;
  return runRunbook<FailbackState, FailbackPhase, Omit<FailbackEvidenceContext, 'provider'>>(
    { operation: 'failback', provider, phases, document: failbackEvidence },
    input,
    deps,
  );

  async function phases(run: RunContext<FailbackState, FailbackPhase>): Promise<FailbackRun['status']> {
    const { phase, poll, get, set } = run;
    const until = async <K extends 'replica' | 'catchUp' | 'promotion' | 'repoint'>(
      what: string,
      key: K,
      check: (current: FailbackState) => Promise<NonNullable<FailbackState[K]>>,
      done: (value: NonNullable<FailbackState[K]>) => boolean,
    ): Promise<Partial<FailbackState>> => ({
      [key]: await poll(
        what,
        async () => {
          const current = get()[key] as NonNullable<FailbackState[K]> | undefined;
          if (current && done(current)) return current;
          const next = await check(get());
          set({ ...get(), [key]: next });
          return next;
        },
        done,
      ),
    });

    const plan = required(get().plan, 'plan');
    await phase('approval', async () => {
      const decision = await deps.approve(plan);
      assertApproved(decision);
      return { approval: approvalRecord(decision, clock.now().toISOString()) };
    });
    await phase('create-replica', async () => ({ replica: await provider.createReplica(get()) }));
    await phase('wait-replica', () =>
      until(
        'the failback replica',
        'replica',
        (s) => provider.checkReplica(s),
        (r) => r.status === 'available',
      ),
    );
    await phase('freeze', async () => ({ freeze: await provider.freeze(get()) }));
    await phase('catch-up', () =>
      until(
        'the catch-up',
        'catchUp',
        (s) => provider.checkCaughtUp(s),
        (c) => c.caughtUp,
      ),
    );
    await phase('promote', async () => ({ promotion: await provider.promote(get()) }));
    // Under the write freeze the pointers move while the promotion runs (as the state machine does it).
    await phase('repoint', async () => ({ repoint: await provider.repoint(get()) }));
    await phase('promote', () =>
      until(
        'the promotion',
        'promotion',
        (s) => provider.checkPromoted(s),
        (p) => p.status === 'available',
      ),
    );
    await phase('repoint', () =>
      until(
        'the repoint',
        'repoint',
        (s) => provider.checkRepoint(s),
        (r) => r.inSync,
      ),
    );
    await phase('verify', async () => ({ verify: await provider.verify(get()) }));
    await phase('unfreeze', async () => ({ unfreeze: await provider.unfreeze(get()) }));
    return 'completed';
  }
}
