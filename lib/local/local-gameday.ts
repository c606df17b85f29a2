import { writeFile } from 'node:fs/promises';
import type { Plan } from '../../engines/failover/failover-steps/state';
import type { Strategy } from '../../engines/failover/catalog';
import { DECISIONS, type DecisionId, type GameDayOperator } from './gameday-operator';
import { runLocalFailover, type LocalFailoverOptions, type LocalFailoverResult } from './local-failover';
import { killPrimary, safeUser } from './local-run';

/** The scenarios one machine can inject (the AWS game day's names for the same faults). */
export const LOCAL_GAME_DAY_SCENARIOS = ['primary-instance-failure'] as const;
export type LocalGameDayScenario = (typeof LOCAL_GAME_DAY_SCENARIOS)[number];

/** One decision the operator took: what was asked, the answer, whether it was right, and how long it took. */
export interface ScoredDecision {
  readonly id: DecisionId;
  readonly question: string;
  readonly answer: string;
  /** What the situation called for (absent when any allowed answer is fine). */
  readonly expected?: string;
  readonly correct: boolean;
  readonly seconds: number;
}

/** The local game day's scorecard: the decisions, the achieved RTO/RPO against the tier's targets, the verdict. */
export interface LocalScorecard {
  readonly scenario: LocalGameDayScenario;
  readonly runId: string;
  readonly faultInjectedAt: string;
  readonly decisions: ScoredDecision[];
  readonly rto: { readonly targetSeconds: number; readonly achievedSeconds?: number; readonly met: boolean };
  readonly rpo: { readonly targetSeconds: number; readonly achievedSeconds?: number; readonly met: boolean };
  readonly failoverResult: 'passed' | 'failed';
  /** Passed when the failover passed within both targets and every decision was right. */
  readonly result: 'passed' | 'failed';
  readonly evidence?: string;
}

export type LocalGameDayOptions = Omit<LocalFailoverOptions, 'approve' | 'afterPhases' | 'fault' | 'strategy'> & {
  readonly scenario: LocalGameDayScenario;
  readonly operator: GameDayOperator;
  /** Where the operator reads what happens (the preflight, the results). */
  readonly show: (text: string) => void;
};

export type LocalGameDayResult = LocalFailoverResult & {
  readonly scorecard: LocalScorecard;
  scorecardLocation?: string;
};

/**
 * A game day on one machine: the failover site under write load, the scenario's fault injected, then the
 * failover engine with the operator taking the runbook's decisions (read the preflight, choose the strategy,
 * approve, verify), each timed; scored against the tier's targets. The evidence is the failover's
 * (`buildEvidence`) with the decision timings in its metrics; the scorecard is written beside it.
 */
export async function runLocalGameDay(options: LocalGameDayOptions): Promise<LocalGameDayResult> {
  const { operator, show } = options;
  const decisions: ScoredDecision[] = [];
  const decide = async (id: DecisionId, context: string, expected?: string): Promise<string> => {
    const began = Date.now();
    const answer = await operator.decide(id, context);
    decisions.push({
      id,
      question: DECISIONS[id].question,
      answer,
      ...(expected ? { expected } : {}),
      correct: expected === undefined || answer === expected,
      seconds: (Date.now() - began) / 1000,
    });
    return answer;
  };

  const result = await runLocalFailover({
    ...options,
    fault: (site, pids) => killPrimary(site.primary, site.load, pids),
    onDisaster: (disaster) =>
      show(
        `\n*** FAULT (${options.scenario}): the primary was killed at ${disaster.at.toISOString()} under load ***\n`,
      ),
    approve: async (plan, replan) => {
      await decide('preflight', describePlan(plan), plan.primary.healthy ? 'no' : 'yes');
      const strategy = (await decide('strategy', strategyChoices(plan), undefined)) as Strategy;
      const chosen = strategy === plan.strategy ? plan : await replan(strategy);
      if (chosen !== plan) show(describePlan(chosen));
      const approval = await decide('approval', `Plan: ${chosen.strategy}, decision ${chosen.decision}.`, 'approve');
      return approval === 'approve'
        ? { approvedBy: `local:${safeUser()}`, comment: 'game day', plan: chosen }
        : { abort: 'the operator aborted at the approval gate', plan: chosen };
    },
    afterPhases: async (state) => {
      if (!state.approval) return;
      const verified = state.verify !== undefined && !state.failure;
      const lines = [
        `Validation: ${state.validation ? `${state.validation.passed ? 'passed' : 'FAILED'}, ${state.validation.checks.filter((c) => c.status === 'passed').length}/${state.validation.checks.length} checks, achieved RPO ${state.validation.achievedRpoSeconds ?? '?'} s` : 'did not run'}`,
        ...(state.verify?.checks ?? []).map((c) => `  ${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`),
        ...(state.failure ? [`  ✗ ${state.failedStep}: ${state.failure.Cause}`] : []),
      ];
      await decide('verify', lines.join('\n'), verified ? 'yes' : 'no');
    },
    metrics: () =>
      Object.fromEntries(decisions.map((d) => [`decision.${d.id}Seconds`, Math.round(d.seconds * 1000) / 1000])),
  });
  operator.close();

  const evidence = result.evidence;
  const rtoMet =
    evidence.achievedRtoSeconds !== undefined && evidence.achievedRtoSeconds <= evidence.targets.rtoSeconds;
  const rpoMet =
    evidence.achievedRpoSeconds !== undefined && evidence.achievedRpoSeconds <= evidence.targets.rpoSeconds;
  const scorecard: LocalScorecard = {
    scenario: options.scenario,
    runId: evidence.runId,
    faultInjectedAt: result.disaster.at.toISOString(),
    decisions,
    rto: { targetSeconds: evidence.targets.rtoSeconds, achievedSeconds: evidence.achievedRtoSeconds, met: rtoMet },
    rpo: { targetSeconds: evidence.targets.rpoSeconds, achievedSeconds: evidence.achievedRpoSeconds, met: rpoMet },
    failoverResult: evidence.result,
    result:
      evidence.result === 'passed' && rtoMet && rpoMet && decisions.every((d) => d.correct) && !result.evidenceError
        ? 'passed'
        : 'failed',
    ...(result.evidenceLocation ? { evidence: result.evidenceLocation } : {}),
  };
  let scorecardLocation: string | undefined;
  let evidenceError = result.evidenceError;
  if (result.evidenceLocation) {
    scorecardLocation = result.evidenceLocation.replace(/\.json$/, '.scorecard.json');
    try {
      await writeFile(scorecardLocation, `${JSON.stringify(scorecard, null, 2)}\n`, { flag: 'wx' });
    } catch (error) {
      evidenceError = `the scorecard could not be written: ${(error as Error).message}`;
      scorecardLocation = undefined;
    }
  }
  return { ...result, evidenceError, scorecard, scorecardLocation };
}

function describePlan(plan: Plan): string {
  return [
    `PREFLIGHT (${plan.strategy}): decision ${plan.decision}`,
    ...plan.checks.map((c) => `  ${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`),
    ...plan.blockers.map((b) => `  blocker: ${b}`),
    ...plan.warnings.map((w) => `  warning: ${w}`),
    `  targets: RTO ${plan.rtoSeconds} s, RPO ${plan.rpoSeconds} s; expected data loss ${plan.expectedDataLossSeconds ?? '?'} s`,
  ].join('\n');
}

function strategyChoices(plan: Plan): string {
  return `Strategies: promote-replica (promote the streaming standby) or point-in-time (restore the base backup and replay the WAL archive). Preflight planned ${plan.strategy}.`;
}
