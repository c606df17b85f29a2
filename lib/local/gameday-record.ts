import type { EvidenceDocument } from '../../engines/evidence/schema';
import type { BaselineObservation, GameDayObservations } from '../../engines/gameday/observations';
import { gameDayEvidence, type GameDayDecision } from '../../engines/gameday/scorecard';
import { DECISIONS, type DecisionId, type GameDayOperator } from './gameday-operator';
import { evidenceStore, TOOL_VERSION } from './local-run';

/** Ask decision `id` with `context`; `expected` is the right answer (none: any answer is right). */
export type Decide = (id: DecisionId, context: string, expected?: string) => Promise<string>;

/** Ask the operator through `decide`, timing each answer and scoring it against the expected one. */
export function decisionRecorder(operator: GameDayOperator): { decide: Decide; decisions: GameDayDecision[] } {
  const decisions: GameDayDecision[] = [];
  const decide: Decide = async (id, context, expected) => {
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
  return { decide, decisions };
}

/** What a game day on one machine scores: its run, the operator's decisions and what was observed. */
export interface LocalGameDayScore {
  readonly runId: string;
  readonly scenario: string;
  readonly startedAt: string;
  readonly user: string;
  readonly lessons: readonly string[];
  readonly decisions: readonly GameDayDecision[];
  readonly observations: GameDayObservations & { readonly baseline: BaselineObservation };
  readonly database: { readonly name: string; readonly rtoSeconds: number; readonly rpoSeconds: number };
  readonly findings?: readonly string[];
}

/**
 * Build the game day's evidence (kind `gameday`, the AWS game day's scorecard) and write it beside the run's own
 * evidence. A document that cannot be written is reported in `error`: the game day then fails.
 */
export async function recordLocalGameDay(
  score: LocalGameDayScore,
  evidenceDir: string | null | undefined,
): Promise<{ doc: EvidenceDocument; location?: string; error?: string }> {
  const doc = gameDayEvidence({
    journal: {
      started: {
        runId: score.runId,
        environment: 'local',
        scenario: score.scenario,
        startedBy: score.user,
        at: score.startedAt,
      },
      endings: [{ by: score.user, lessons: [...score.lessons], stoppedExperiment: false }],
    },
    provider: 'local',
    decisions: score.decisions,
    ...(score.findings ? { findings: score.findings } : {}),
    observations: score.observations,
    databases: [{ tier: 1, ...score.database }],
    roster: [],
    endedBy: score.user,
    now: new Date(),
    toolVersion: TOOL_VERSION,
  });
  try {
    return { doc, location: await evidenceStore(evidenceDir)?.put(doc) };
  } catch (error) {
    return { doc, error: `the game-day evidence could not be written: ${(error as Error).message}` };
  }
}

/** A game day's run id: scenario and start time. */
export function localGameDayRunId(scenario: string, startedAt: string): string {
  return `local-gameday-${scenario}-${startedAt.replace(/[-:.TZ]/g, '').slice(0, 17)}`;
}
