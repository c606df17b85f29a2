import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { rxdr } from '../helpers/cli';
import { FAILBACK_EVIDENCE_STEPS } from '../helpers/failback-steps';
import { tempDir } from '../helpers/temp-dir';
import { answersFile, localGameDay, passedGameDay, scoredDecisions, secondsSinceFault } from './local-game-day';

const SCENARIO = ['--local', '--scenario', 'primary-instance-failure'];

describe('rxdr gameday --local --answers on real PostgreSQL', () => {
  test('GIVEN answers that restore from the base backup WHEN the primary is killed under load THEN the failover engine recovers with point-in-time, the decisions are scored in a gameday evidence document that rxdr report shows like an AWS game day', async () => {
    const { result, dir, evidenceDir } = await localGameDay(
      'primary-instance-failure',
      { preflight: 'yes', strategy: 'point-in-time', approval: 'approve', verify: 'yes' },
      { prescriptions: 200, extra: ['--lesson', 'the archive was one second behind'] },
    );
    expect(result.stderr).toContain('*** FAULT (primary-instance-failure)');
    expect(result.stderr).toMatch(/failover:validate .* checks passed/);
    const doc = passedGameDay(result);
    expect(doc).toMatchObject({
      environment: 'local',
      result: 'passed',
      gameDay: {
        scenario: 'primary-instance-failure',
        lessons: ['the archive was one second behind'],
        baseline: { how: 'failback', problems: [] },
      },
    });
    expect(readFileSync(doc.location, 'utf8')).toContain('"kind": "gameday"');
    expect(scoredDecisions(doc)).toEqual([
      ['preflight', true],
      ['strategy', true],
      ['approval', true],
      ['verify', true],
    ]);
    const reached = secondsSinceFault(doc);
    const milestones = ['fault-injected', 'alarm-raised', 'first-runbook-action', 'approval', 'recovered'];
    for (const milestone of [...milestones, 'failback', 'baseline'])
      expect(reached[milestone]).toEqual(expect.any(Number));
    expect(reached['verified']).toBeLessThanOrEqual(doc.targets.rtoSeconds);
    expect(doc.gameDay.timeToRecoverSeconds).toBe(reached['verified']);
    expect(doc.gameDay.timeline[1]).toMatchObject({ name: 'alarm-raised', detail: 'local:primary-unreachable' });
    expect(doc.gameDay.runbookEvidence).toHaveLength(2);
    // The shared failback engine brought clients back to a new primary on the primary side, with zero data loss.
    const failback = JSON.parse(readFileSync(doc.gameDay.runbookEvidence[1], 'utf8'));
    expect(failback).toMatchObject({
      kind: 'failover',
      provider: 'local',
      result: 'passed',
      achievedRpoSeconds: 0,
      runbook: { operation: 'failback', status: 'completed' },
    });
    expect(failback.runbook.steps.map((s: { name: string }) => s.name)).toEqual(FAILBACK_EVIDENCE_STEPS);
    // As in AWS, the endpoint file moved once the promotion had started, before it ended.
    const step = (name: string) =>
      failback.runbook.steps.find((s: { name: string }) => s.name === name) as { startedAt: string; endedAt: string };
    expect(Date.parse(step('repoint').startedAt)).toBeGreaterThanOrEqual(Date.parse(step('promote').startedAt));
    expect(Date.parse(step('repoint').startedAt)).toBeLessThan(Date.parse(step('promote').endedAt));

    const evidence = JSON.parse(readFileSync(doc.gameDay.runbookEvidence[0], 'utf8'));
    expect(evidence).toMatchObject({
      kind: 'failover',
      provider: 'local',
      result: 'passed',
      source: { kind: 'point-in-time' },
      cleanup: { status: 'deleted' },
      runbook: { operation: 'failover', strategy: 'point-in-time', status: 'completed' },
    });
    expect(evidence.runbook.steps.map((s: { name: string }) => s.name)).toEqual(
      expect.arrayContaining(['preflight', 'approval', 'freeze', 'recover', 'validate', 'repoint', 'verify']),
    );
    expect(evidence.runbook.repointed[0]).toMatchObject({ kind: 'endpoint-file' });
    expect(Object.keys(evidence.metrics)).toEqual(expect.arrayContaining(['decision.approvalSeconds']));

    // The report reads the directory as it reads an AWS evidence bucket: the game day is in its section.
    const out = path.join(dir, 'report.html');
    const report = await rxdr('report', '--evidence', evidenceDir, '--out', out);
    expect(report).toMatchObject({ code: 0, stderr: '' });
    expect(report.stdout).toMatch(/3 run\(s\)/);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(`data-run="${doc.runId}" data-scenario="primary-instance-failure"`);
    expect(html).toContain('data-milestone="alarm-raised"');
    expect(html).toContain('the archive was one second behind');
  });

  test('GIVEN a network partition (the primary frozen, still running) WHEN the operator promotes the standby THEN the service is back through the pointer, the alarm came from the probe and the old primary is fenced before cleanup', async () => {
    const { result } = await localGameDay(
      'primary-region-unreachable',
      { preflight: 'yes', strategy: 'promote-replica', approval: 'approve', verify: 'yes' },
      { prescriptions: 100 },
    );
    expect(result.stderr).toMatch(
      /\*\*\* FAULT \(primary-region-unreachable\): the primary stopped answering .* it is still running/,
    );
    expect(result.stderr).toMatch(/primary at 127\.0\.0\.1:\d+ does not answer/);
    const doc = passedGameDay(result);
    expect(doc).toMatchObject({
      gameDay: { scenario: 'primary-region-unreachable', baseline: { how: 'failback', problems: [] } },
    });
    const alarm = doc.gameDay.timeline.find((m: { name: string }) => m.name === 'alarm-raised');
    expect(alarm).toMatchObject({ detail: 'local:primary-unreachable', sinceFaultSeconds: expect.any(Number) });
    const evidence = JSON.parse(readFileSync(doc.gameDay.runbookEvidence[0], 'utf8'));
    expect(evidence).toMatchObject({ result: 'passed', source: { kind: 'replica' }, cleanup: { status: 'deleted' } });
    // Fenced (killed) before cleanup: a frozen postmaster would make pg_ctl stop wait out its 60 s first.
    expect(evidence.metrics.cleanupMs).toBeLessThan(30_000);
  });

  test('GIVEN an operator who aborts at the approval gate THEN nothing is recovered, the evidence says aborted and the game day fails (exit 1)', async () => {
    const { result } = await localGameDay(
      'primary-instance-failure',
      { preflight: 'yes', strategy: 'promote-replica', approval: 'abort', verify: 'no' },
      { prescriptions: 100 },
    );
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout);
    expect(doc).toMatchObject({ kind: 'gameday', result: 'failed' });
    expect(doc.failureReason).toMatch(/decision approval: answered abort, the situation called for approve/);
    expect(doc.gameDay.decisions.find((d: { id: string }) => d.id === 'approval')).toMatchObject({ correct: false });
    expect(doc.gameDay.timeline.find((m: { name: string }) => m.name === 'recovered').at).toBeUndefined();
    const evidence = JSON.parse(readFileSync(doc.gameDay.runbookEvidence[0], 'utf8'));
    expect(evidence).toMatchObject({ result: 'failed', runbook: { status: 'aborted' } });
    expect(evidence.runbook.steps.map((s: { name: string }) => s.name)).not.toContain('recover');
  });

  test.each([
    ['not JSON', '{', /is not JSON/],
    [
      'a strategy the machine cannot run',
      { preflight: 'yes', strategy: 'latest-backup', approval: 'approve', verify: 'yes' },
      /strategy: must be one of promote-replica, point-in-time/,
    ],
    [
      'a missing and an unknown decision',
      { preflight: 'yes', strategy: 'promote-replica', approval: 'approve', verfy: 'yes' },
      /verify: .*; .*verfy/,
    ],
  ])(
    'GIVEN an answers file that is %s THEN it exits 2 naming the problem before anything starts',
    async (_, content, message) => {
      const dir = tempDir('rxdr-gameday-');
      const result = await rxdr(
        'gameday',
        ...SCENARIO,
        '--answers',
        answersFile(dir, content),
        '--evidence-dir',
        path.join(dir, 'ev'),
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/primary +\d/);
    },
  );

  test('GIVEN a recovery-store scenario WHEN the answers file holds the failover decisions THEN it exits 2 naming the decisions that scenario asks', async () => {
    const dir = tempDir('rxdr-gameday-');
    const failoverAnswers = { preflight: 'yes', strategy: 'promote-replica', approval: 'approve', verify: 'yes' };
    const result = await rxdr(
      'gameday',
      '--local',
      '--scenario',
      'recovery-point-deletion-attempt',
      '--answers',
      answersFile(dir, failoverAnswers),
      '--evidence-dir',
      path.join(dir, 'ev'),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/detection: must be one of yes, no; intact: must be one of yes, no; .*preflight/);
    expect(result.stderr).toContain('Expected {"detection":"yes","intact":"yes"}');
    const isolated = await rxdr(
      'gameday',
      '--local',
      '--scenario',
      'isolated-copy-restore',
      '--answers',
      answersFile(dir, { source: 'the-backup-tape', verify: 'yes' }),
    );
    expect(isolated).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/source: must be one of isolated-copy, recovery-store/),
    });
  });

  test('usage errors exit 2 with what to do', async () => {
    expect(await rxdr('gameday', '--local')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--scenario is required: choose primary-instance-failure/),
    });
    expect(await rxdr('gameday', '--local', '--scenario', 'vault-wipe')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(
        /vault-wipe cannot run on one machine: choose primary-instance-failure, primary-region-unreachable, recovery-point-deletion-attempt, isolated-copy-restore/,
      ),
    });
    expect(
      await rxdr('gameday', '--local', '--scenario', 'primary-instance-failure', '--answers', '/nonexistent/a.json'),
    ).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/cannot read the answers file \/nonexistent\/a.json: ENOENT/),
    });
  });
});
