import { buildEvidence, type EvidenceDocument } from '../evidence/schema';
import type { GameDayParticipant, GameDayRecord } from '../evidence/gameday-record';
import { PEOPLE_RECORD_SCHEMA_VERSION, type GameDayParticipation } from '../readiness/records';
import type { GameDayEnding, GameDayStarted } from './journal';
import type { BaselineObservation, GameDayObservations } from './observations';
import { buildTimeline, recoveringRun, timeToRecoverSeconds } from './timeline';

/** A database of the environment with its tier's targets (what the scorecard measures against). */
export interface ScoredDatabase {
  readonly name: string;
  readonly tier: 1 | 2 | 3;
  /** The configured tier's name; one machine has no configuration. */
  readonly tierName?: string;
  readonly rtoSeconds: number;
  readonly rpoSeconds: number;
}

/**
 * What the scorecard reads of a game day's journal: who started it, when, which scenario, and each ending.
 * An AWS game day's journal (`journal.ts`) is one; a game day on one machine makes its own.
 */
export interface ScoredJournal {
  readonly started: Pick<GameDayStarted, 'runId' | 'environment' | 'scenario' | 'startedBy' | 'at' | 'experimentId'>;
  readonly endings: readonly Pick<GameDayEnding, 'by' | 'lessons' | 'stoppedExperiment'>[];
}

export type GameDayDecision = NonNullable<GameDayRecord['decisions']>[number];

export interface ScorecardInput {
  readonly journal: ScoredJournal;
  /** `aws` or `local`: where the fault was injected and the runbooks ran. @default aws */
  readonly provider?: string;
  /** The decisions the operator took in the terminal (one machine); a wrong one fails the game day. */
  readonly decisions?: readonly GameDayDecision[];
  /**
   * What the scenario itself found wrong, each a sentence that fails the game day (one machine: a deletion the
   * recovery store did not refuse, a detection that did not fire, a recovery point that no longer restores).
   */
  readonly findings?: readonly string[];
  readonly observations: GameDayObservations & { readonly baseline: BaselineObservation };
  readonly databases: readonly ScoredDatabase[];
  readonly roster: readonly { readonly name: string; readonly arn: string }[];
  /** Verified identity of the person ending the game day. */
  readonly endedBy: string;
  readonly now: Date;
  readonly toolVersion: string;
}

/** Who took part, each identity verified by STS (facilitators) or the runbook gateway (engineers, approvers). */
export function participants(
  journal: ScoredJournal,
  observations: GameDayObservations,
  roster: ScorecardInput['roster'],
  endedBy?: string,
): GameDayParticipant[] {
  const seen = new Map<string, GameDayParticipant>();
  const add = (person: string | undefined, role: GameDayParticipant['role'], verifiedBy: string) => {
    if (!person || seen.has(`${role}:${person}`)) return;
    const name = roster.find((p) => p.arn === person)?.name;
    seen.set(`${role}:${person}`, { person, role, verifiedBy, ...(name ? { name } : {}) });
  };
  add(journal.started.startedBy, 'facilitator', 'sts');
  for (const run of observations.runs) {
    if (!run.dryRun) add(run.startedBy, 'engineer', run.executionArn);
    add(run.approvedBy, 'approver', run.executionArn);
  }
  for (const ending of journal.endings) add(ending.by, 'facilitator', 'sts');
  add(endedBy, 'facilitator', 'sts');
  return [...seen.values()];
}

/** Retries the state machines made and the places a person stepped in. */
export function interventions(observations: GameDayObservations): GameDayRecord['interventions'] {
  const found: GameDayRecord['interventions'] = [];
  for (const run of observations.runs) {
    for (const retry of run.retries)
      found.push({
        kind: 'retry',
        execution: run.name,
        step: retry.step,
        detail: `${retry.step} failed ${retry.failures} time(s) and was run again`,
      });
    if (run.forcedReason)
      found.push({
        kind: 'override',
        execution: run.name,
        detail: `forced although the primary looked healthy: ${run.forcedReason}`,
      });
    for (const step of run.resumedSteps)
      found.push({
        kind: 'override',
        execution: run.name,
        step,
        detail: `${step} was already done by an earlier run (resumed)`,
      });
    if (!run.dryRun && ['ABORTED', 'FAILED', 'TIMED_OUT'].includes(run.status))
      found.push({ kind: 'override', execution: run.name, detail: `${run.operation} ${run.status.toLowerCase()}` });
  }
  return found;
}

/**
 * The game day's evidence document (same schema as drills and failovers, kind `gameday`). It passes when the
 * environment is back at its baseline, no runbook run failed unrecovered, and the achieved RTO/RPO are within the
 * targets of the database that failed over or was restored from the isolated copy (or, without either, of the
 * environment's strictest tier).
 */
export function gameDayEvidence(input: ScorecardInput): EvidenceDocument {
  const { journal, observations } = input;
  const timeline = buildTimeline(observations);
  const failover = recoveringRun(observations.runs);
  const database =
    input.databases.find((db) => db.name === failover?.database) ??
    [...input.databases].sort((a, b) => a.rtoSeconds - b.rtoSeconds)[0];
  if (!database) throw new Error(`environment ${journal.started.environment} has no database to score against`);
  const rto = timeToRecoverSeconds(timeline);
  const rpo = failover?.achievedRpoSeconds;
  const problems = [
    ...(input.findings ?? []),
    ...(observations.baseline.ok ? [] : observations.baseline.problems),
    ...(failover && failover.status !== 'SUCCEEDED'
      ? [`the ${failover.operation} ${failover.name} ${failover.status}`]
      : []),
    ...(failover?.operation === 'drill' && failover.evidenceResult !== 'passed'
      ? [`the drill ${failover.name} did not verify the isolated copy of ${failover.database ?? 'a database'}`]
      : []),
    ...(rto !== undefined && rto > database.rtoSeconds
      ? [`time to recover ${rto} s exceeds the RTO target ${database.rtoSeconds} s`]
      : []),
    ...(rpo !== undefined && rpo > database.rpoSeconds
      ? [`achieved RPO ${rpo} s exceeds the target ${database.rpoSeconds} s`]
      : []),
    ...(input.decisions ?? [])
      .filter((d) => !d.correct)
      .map((d) => `decision ${d.id}: answered ${d.answer}, the situation called for ${d.expected ?? 'another answer'}`),
  ];
  const fault = timeline.find((m) => m.name === 'fault-injected')?.at;
  const endedEarly = journal.endings.some((e) => e.stoppedExperiment);
  const runbookEvidence = observations.runs.flatMap((r) => (r.evidenceLocation ? [r.evidenceLocation] : []));
  const record: GameDayRecord = {
    scenario: journal.started.scenario,
    ...(journal.started.experimentId ? { experimentId: journal.started.experimentId } : {}),
    ...(observations.experiment ? { experimentState: observations.experiment.state } : {}),
    participants: participants(journal, observations, input.roster, input.endedBy),
    timeline,
    ...(rto !== undefined ? { timeToRecoverSeconds: rto } : {}),
    interventions: interventions(observations),
    baseline: {
      how: observations.baseline.how,
      verifiedAt: observations.baseline.at,
      problems: [...observations.baseline.problems],
    },
    endedEarly,
    lessons: journal.endings.flatMap((e) => e.lessons),
    runbookEvidence,
    ...(input.decisions ? { decisions: [...input.decisions] } : {}),
  };
  return buildEvidence({
    runId: journal.started.runId,
    kind: 'gameday',
    environment: journal.started.environment,
    provider: input.provider ?? 'aws',
    database: database.name,
    tier: database.tier,
    ...(database.tierName ? { tierName: database.tierName } : {}),
    targets: { rtoSeconds: database.rtoSeconds, rpoSeconds: database.rpoSeconds },
    timestamps: {
      started: journal.started.at,
      ...(fault ? { disaster: fault } : {}),
      ...(failover?.startedAt ? { restoreStarted: failover.startedAt } : {}),
      ...(failover?.availableAt ? { available: failover.availableAt } : {}),
      cleanedUp: observations.baseline.at,
      recorded: input.now.toISOString(),
    },
    ...(rto !== undefined ? { achievedRtoSeconds: rto } : {}),
    ...(rpo !== undefined ? { achievedRpoSeconds: rpo } : {}),
    result: problems.length === 0 ? 'passed' : 'failed',
    ...(problems.length > 0 ? { failureReason: problems.join(' | '), failedStep: 'scorecard' } : {}),
    checks: [],
    cleanup: {
      status: observations.baseline.ok ? 'deleted' : 'failed',
      message: observations.baseline.ok
        ? `back at baseline (${observations.baseline.how})`
        : observations.baseline.problems.join('; '),
      resources: [],
    },
    startedBy: journal.started.startedBy,
    toolVersion: input.toolVersion,
    ...(rto !== undefined || input.decisions
      ? {
          metrics: {
            ...(rto !== undefined ? { timeToRecoverSeconds: rto } : {}),
            ...Object.fromEntries((input.decisions ?? []).map((d) => [`decision.${d.id}Seconds`, d.seconds])),
          },
        }
      : {}),
    gameDay: record,
  });
}

/** One record per engineer and approver who took part: what makes the person current on the roster. */
export function participationRecords(doc: EvidenceDocument): GameDayParticipation[] {
  return (doc.gameDay?.participants ?? [])
    .filter((p): p is GameDayParticipant & { role: 'engineer' | 'approver' } => p.role !== 'facilitator')
    .map((p) => ({
      schemaVersion: PEOPLE_RECORD_SCHEMA_VERSION,
      kind: 'gameday-participation',
      environment: doc.environment,
      runId: doc.runId,
      scenario: doc.gameDay?.scenario ?? 'unknown',
      person: p.person,
      role: p.role,
      at: doc.timestamps.recorded,
      toolVersion: doc.toolVersion,
    }));
}
