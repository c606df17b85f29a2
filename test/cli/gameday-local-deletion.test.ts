import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { rxdr } from '../helpers/cli';
import { localGameDay, passedGameDay, scoredDecisions, secondsSinceFault } from './local-game-day';

describe('rxdr gameday --local --scenario recovery-point-deletion-attempt on real PostgreSQL', () => {
  test('GIVEN a locked recovery store WHEN an attacker with the database host tries to delete the recovery point and unlock the store THEN every call is refused, the detections alarm, the recovery point still restores and validates, and rxdr report shows the game day', async () => {
    const { result, dir, evidenceDir } = await localGameDay(
      'recovery-point-deletion-attempt',
      { detection: 'yes', intact: 'yes' },
      { prescriptions: 100, extra: ['--lesson', 'the lock held'] },
    );
    expect(result.stderr).toContain('*** FAULT (recovery-point-deletion-attempt)');
    // Through the store's code (its lock) and straight at the files as the server's OS user: each one refused.
    expect(result.stderr).toMatch(/refused {2}store: DeleteRecoveryPoint backup-1 — .*lock retains/);
    expect(result.stderr).toMatch(/refused {2}store: PutStoreLock .*locked in compliance mode/);
    for (const call of ['rm -rf', 'chmod -R a\\+rwx', 'overwrite', 'mv'])
      expect(result.stderr).toMatch(
        new RegExp(`refused {2}filesystem: ${call} .*\\(as postgres\\) — .*Permission denied`),
      );
    expect(result.stderr).not.toContain('NOT REFUSED');

    const doc = passedGameDay(result);
    expect(doc).toMatchObject({
      gameDay: {
        scenario: 'recovery-point-deletion-attempt',
        lessons: ['the lock held'],
        baseline: { how: 'original-topology', problems: [] },
      },
    });
    expect(scoredDecisions(doc)).toEqual([
      ['detection', true],
      ['intact', true],
    ]);
    const reached = secondsSinceFault(doc);
    for (const milestone of ['fault-injected', 'alarm-raised', 'first-runbook-action', 'baseline'])
      expect(reached[milestone]).toEqual(expect.any(Number));
    expect(doc.gameDay.timeline[1].detail).toMatch(/^local:(recovery-point-deletion|store-lock-change)$/);
    expect(doc.gameDay.timeToRecoverSeconds).toBe(reached['baseline']);

    // The proof that nothing was deleted: the shared drill engine restored the recovery point and the real
    // validator passed it.
    const drill = JSON.parse(readFileSync(doc.gameDay.runbookEvidence[0], 'utf8'));
    expect(drill).toMatchObject({ kind: 'drill', provider: 'local', result: 'passed', cleanup: { status: 'deleted' } });
    expect(drill.source.details.baseBackup).toMatch(/base-backups\/backup-1$/);
    expect(drill.checks.filter((c: { status: string }) => c.status !== 'passed')).toEqual([]);

    const out = path.join(dir, 'report.html');
    const report = await rxdr('report', '--evidence', evidenceDir, '--out', out);
    expect(report).toMatchObject({ code: 0, stderr: '' });
    const html = readFileSync(out, 'utf8');
    expect(html).toContain(`data-run="${doc.runId}" data-scenario="recovery-point-deletion-attempt"`);
    expect(html).toContain('the lock held');
  });
});
