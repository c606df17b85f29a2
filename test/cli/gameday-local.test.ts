import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { rxdr } from '../helpers/cli';
import { tempDir } from '../helpers/temp-dir';

const SCENARIO = ['--local', '--scenario', 'primary-instance-failure'];

function answersFile(dir: string, answers: unknown): string {
  const file = path.join(dir, 'answers.json');
  writeFileSync(file, typeof answers === 'string' ? answers : JSON.stringify(answers));
  return file;
}

describe('rxdr gameday --local --answers on real PostgreSQL', () => {
  test('GIVEN answers that restore from the base backup WHEN the primary is killed under load THEN the failover engine recovers with point-in-time, the decisions are scored and evidence + scorecard are written', async () => {
    const dir = tempDir('rxdr-gameday-');
    const evidenceDir = path.join(dir, 'evidence');
    const answers = answersFile(dir, {
      preflight: 'yes',
      strategy: 'point-in-time',
      approval: 'approve',
      verify: 'yes',
    });
    const result = await rxdr(
      'gameday',
      ...SCENARIO,
      '--answers',
      answers,
      '--prescriptions',
      '200',
      '--evidence-dir',
      evidenceDir,
      '--json',
    );
    expect(result.stderr).toContain('*** FAULT (primary-instance-failure)');
    expect(result.stderr).toMatch(/failover:validate .* checks passed/);
    expect(result.code).toBe(0);
    const card = JSON.parse(result.stdout);
    expect(card).toMatchObject({ scenario: 'primary-instance-failure', result: 'passed', failoverResult: 'passed' });
    expect(card.decisions.map((d: { id: string; correct: boolean }) => [d.id, d.correct])).toEqual([
      ['preflight', true],
      ['strategy', true],
      ['approval', true],
      ['verify', true],
    ]);
    expect(card.rto.met && card.rpo.met).toBe(true);
    const evidence = JSON.parse(readFileSync(card.evidence, 'utf8'));
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
    expect(existsSync(card.evidence.replace(/\.json$/, '.scorecard.json'))).toBe(true);
  });

  test('GIVEN an operator who aborts at the approval gate THEN nothing is recovered, the evidence says aborted and the game day fails (exit 1)', async () => {
    const dir = tempDir('rxdr-gameday-');
    const answers = answersFile(dir, {
      preflight: 'yes',
      strategy: 'promote-replica',
      approval: 'abort',
      verify: 'no',
    });
    const result = await rxdr(
      'gameday',
      ...SCENARIO,
      '--answers',
      answers,
      '--prescriptions',
      '100',
      '--evidence-dir',
      path.join(dir, 'ev'),
      '--json',
    );
    expect(result.code).toBe(1);
    const card = JSON.parse(result.stdout);
    expect(card.result).toBe('failed');
    expect(card.decisions.find((d: { id: string }) => d.id === 'approval')).toMatchObject({ correct: false });
    const evidence = JSON.parse(readFileSync(card.evidence, 'utf8'));
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

  test('usage errors exit 2 with what to do', async () => {
    expect(await rxdr('gameday', '--local')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--scenario is required: choose primary-instance-failure/),
    });
    expect(await rxdr('gameday', '--local', '--scenario', 'isolated-copy-restore')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/isolated-copy-restore cannot run on one machine/),
    });
    expect(
      await rxdr('gameday', '--local', '--scenario', 'primary-instance-failure', '--answers', '/nonexistent/a.json'),
    ).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/cannot read the answers file \/nonexistent\/a.json: ENOENT/),
    });
  });
});
