import { z } from 'zod';

/**
 * The journal of one game day: what `rxdr gameday start` and `end` decided, kept in the evidence bucket under
 * `gamedays/<environment>/<runId>/` as one object per entry, never overwritten. Everything else a game day shows
 * (the fault, the alarms, the runbook runs) is read again from its own source each time, so an interrupted game
 * day is resumed or ended from the journal alone.
 */
export const GAMEDAY_JOURNAL_PREFIX = 'gamedays/';

/** The tag `rxdr gameday start` puts on the experiment it starts (value: the run id); IAM lets operators stop only these. */
export const GAMEDAY_RUN_TAG = 'rxdr:gameday-run';

const isoTime = z.iso.datetime({ offset: true });

export const GameDayStarted = z.object({
  entry: z.literal('started'),
  runId: z.string().min(1),
  environment: z.string().min(1),
  scenario: z.string().min(1),
  /** The verified identity (STS) of the person who started the game day: its facilitator. */
  startedBy: z.string().min(1),
  at: isoTime,
  /** Region of the scenario's experiment template. */
  region: z.string().min(1),
  experimentTemplateId: z.string().min(1),
  /** Absent when the start was interrupted between the journal entry and the experiment. */
  experimentId: z.string().min(1).optional(),
  toolVersion: z.string().min(1),
});
export type GameDayStarted = z.infer<typeof GameDayStarted>;

/** `rxdr gameday end` ran (each run adds one: an end that had to wait for the failback is run again). */
export const GameDayEnding = z.object({
  entry: z.literal('ending'),
  runId: z.string().min(1),
  by: z.string().min(1),
  at: isoTime,
  lessons: z.array(z.string()).default([]),
  /** The experiment was still running and this run stopped it. */
  stoppedExperiment: z.boolean().default(false),
  /** The failback this run started to bring the environment back to its baseline. */
  failbackExecutionArn: z.string().optional(),
});
export type GameDayEnding = z.infer<typeof GameDayEnding>;

export const GameDayEnded = z.object({
  entry: z.literal('ended'),
  runId: z.string().min(1),
  by: z.string().min(1),
  at: isoTime,
  evidenceLocation: z.string().min(1),
});
export type GameDayEnded = z.infer<typeof GameDayEnded>;

export const JournalEntry = z.discriminatedUnion('entry', [GameDayStarted, GameDayEnding, GameDayEnded]);
export type JournalEntry = z.infer<typeof JournalEntry>;

/** One game day as its journal tells it. */
export interface GameDayJournal {
  readonly started: GameDayStarted;
  readonly endings: GameDayEnding[];
  readonly ended?: GameDayEnded;
}

/** Entries of one game day in the order they were written; a journal without its `started` entry is unusable. */
export function foldJournal(entries: readonly JournalEntry[]): GameDayJournal {
  const started = entries.find((e): e is GameDayStarted => e.entry === 'started');
  if (!started) throw new Error(`game-day journal ${entries[0]?.runId ?? '(empty)'} has no "started" entry`);
  // The experiment id is added by a second `started` entry when the first was written before the experiment.
  const withExperiment = entries.filter((e): e is GameDayStarted => e.entry === 'started' && !!e.experimentId)[0];
  return {
    started: withExperiment ?? started,
    endings: entries.filter((e): e is GameDayEnding => e.entry === 'ending'),
    ...(entries.some((e) => e.entry === 'ended')
      ? { ended: entries.find((e): e is GameDayEnded => e.entry === 'ended') }
      : {}),
  };
}

/** Object key of an entry: sortable by time, unique per entry. */
export function journalKey(environment: string, entry: JournalEntry): string {
  const stamp = entry.at.replace(/[:.]/g, '-');
  // The entry recording the experiment may follow the first `started` entry within the same millisecond.
  const what = entry.entry === 'started' && entry.experimentId ? 'started-experiment' : entry.entry;
  return `${GAMEDAY_JOURNAL_PREFIX}${safe(environment)}/${safe(entry.runId)}/${stamp}-${what}.json`;
}

function safe(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]/g, '_');
}
