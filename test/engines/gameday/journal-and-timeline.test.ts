import { foldJournal, journalKey, type GameDayStarted } from '../../../engines/gameday/journal';
import type { GameDayObservations, RunbookRunObservation } from '../../../engines/gameday/observations';
import { buildTimeline, timeToRecoverSeconds } from '../../../engines/gameday/timeline';

const started: GameDayStarted = {
  entry: 'started',
  runId: 'gameday-primary-instance-failure-1',
  environment: 'staging',
  scenario: 'primary-instance-failure',
  startedBy: 'arn:aws:sts::222222222222:assumed-role/rxdr-staging-operator/engineer-b',
  at: '2026-12-07T02:00:00.000Z',
  region: 'us-east-1',
  experimentTemplateId: 'EXT1',
  toolVersion: '0.1.0',
};

describe('game-day journal', () => {
  test('the entry naming the experiment never reuses the key of the first entry, even in the same millisecond', () => {
    const withExperiment = { ...started, experimentId: 'EXP1' };
    expect(journalKey('staging', withExperiment)).not.toBe(journalKey('staging', started));
    expect(foldJournal([started, withExperiment]).started.experimentId).toBe('EXP1');
  });

  test('a journal without its started entry is refused, not guessed', () => {
    expect(() =>
      foldJournal([{ entry: 'ended', runId: 'r', by: 'x', at: started.at, evidenceLocation: 's3://b/k' }]),
    ).toThrow(/has no "started" entry/);
  });
});

const run = (over: Partial<RunbookRunObservation>): RunbookRunObservation => ({
  operation: 'failover',
  executionArn: 'arn:aws:states:us-west-2:222222222222:execution:rxdr-staging-failover:f1',
  name: 'f1',
  database: 'dispensing',
  dryRun: false,
  status: 'SUCCEEDED',
  startedAt: '2026-12-07T02:05:00.000Z',
  stoppedAt: '2026-12-07T02:20:00.000Z',
  startedBy: 'engineer',
  approvedBy: 'approver',
  approvedAt: '2026-12-07T02:08:00.000Z',
  availableAt: '2026-12-07T02:15:00.000Z',
  retries: [],
  resumedSteps: [],
  ...over,
});

describe('game-day timeline', () => {
  const observations: GameDayObservations = {
    experiment: { id: 'EXP1', state: 'completed', faultAt: '2026-12-07T02:01:00.000Z' },
    alarms: [
      { name: 'before the fault', at: '2026-12-07T02:00:30.000Z' },
      { name: 'Rxdr-Staging-Primary-Lag', at: '2026-12-07T02:03:00.000Z' },
    ],
    runs: [
      run({ name: 'plan', dryRun: true, startedAt: '2026-12-07T02:04:00.000Z', status: 'SUCCEEDED' }),
      run({}),
      run({
        operation: 'failback',
        name: 'b1',
        startedAt: '2026-12-07T02:30:00.000Z',
        stoppedAt: '2026-12-07T02:50:00.000Z',
      }),
    ],
    baseline: { at: '2026-12-07T02:55:00.000Z', ok: true, problems: [], how: 'failback' },
  };

  test('each milestone from its source, in seconds since the fault; alarms before the fault do not count', () => {
    const timeline = buildTimeline(observations);
    expect(timeline.map((m) => [m.name, m.sinceFaultSeconds])).toEqual([
      ['fault-injected', 0],
      ['alarm-raised', 120],
      ['first-runbook-action', 180],
      ['approval', 420],
      ['recovered', 840],
      ['verified', 1140],
      ['failback', 2940],
      ['baseline', 3240],
    ]);
    expect(timeline[1]!.detail).toBe('Rxdr-Staging-Primary-Lag');
    expect(timeline[2]!.detail).toBe('plan by engineer');
    expect(timeToRecoverSeconds(timeline)).toBe(1140);
  });

  test('without a failover, time to recover is the fault until the environment is back at its baseline', () => {
    const timeline = buildTimeline({ ...observations, runs: [] });
    expect(timeline.filter((m) => m.at).map((m) => m.name)).toEqual(['fault-injected', 'alarm-raised', 'baseline']);
    expect(timeToRecoverSeconds(timeline)).toBe(3240);
  });
});
