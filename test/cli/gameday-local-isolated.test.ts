import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { rxdr } from '../helpers/cli';
import { localGameDay, passedGameDay, scoredDecisions } from './local-game-day';

describe('rxdr gameday --local --scenario isolated-copy-restore on real PostgreSQL', () => {
  test('GIVEN the recovery store declared lost and moved away WHEN the operator restores from the isolated copy THEN the drill restores and validates it, the store is back and the declaration withdrawn, and rxdr report shows the game day', async () => {
    const { result, dir, evidenceDir } = await localGameDay(
      'isolated-copy-restore',
      { source: 'isolated-copy', verify: 'yes' },
      { prescriptions: 100 },
    );
    expect(result.stderr).toMatch(/\*\*\* FAULT \(isolated-copy-restore\): .*declared lost .*are gone/);
    expect(result.stderr).toMatch(/recovery-store: .*base-backups \(gone\)/);
    expect(result.stderr).toContain('The declaration is withdrawn and the recovery store is back.');

    const doc = passedGameDay(result);
    expect(doc).toMatchObject({
      gameDay: { scenario: 'isolated-copy-restore', baseline: { how: 'original-topology', problems: [] } },
    });
    expect(scoredDecisions(doc)).toEqual([
      ['source', true],
      ['verify', true],
    ]);
    const milestones = Object.fromEntries(
      doc.gameDay.timeline.map((m: { name: string; sinceFaultSeconds?: number; detail?: string }) => [m.name, m]),
    );
    expect(milestones['alarm-raised']).toMatchObject({ detail: 'local:recovery-store-unavailable' });
    expect(milestones['verified']).toMatchObject({ detail: 'the isolated copy restored and validated' });
    for (const name of ['fault-injected', 'first-runbook-action', 'recovered', 'verified', 'baseline'])
      expect(milestones[name].sinceFaultSeconds).toEqual(expect.any(Number));
    expect(doc.gameDay.timeToRecoverSeconds).toBe(milestones['verified'].sinceFaultSeconds);
    expect(doc.achievedRpoSeconds).toBeLessThanOrEqual(doc.targets.rpoSeconds);

    // The drill restored the isolated copy (not the lost store), and its evidence says why.
    const drill = JSON.parse(readFileSync(doc.gameDay.runbookEvidence[0], 'utf8'));
    expect(drill).toMatchObject({ kind: 'drill', result: 'passed', cleanup: { status: 'deleted' } });
    expect(drill.source.details).toMatchObject({
      baseBackup: expect.stringMatching(/isolated-copy\/base-backups\/backup-1$/),
      walArchive: expect.stringMatching(/isolated-copy\/wal-archive$/),
      recoveryVaultDeclaredLost: expect.stringMatching(/recovery-store-declared-lost\.json$/),
    });

    const out = path.join(dir, 'report.html');
    expect(await rxdr('report', '--evidence', evidenceDir, '--out', out)).toMatchObject({ code: 0, stderr: '' });
    expect(readFileSync(out, 'utf8')).toContain(`data-run="${doc.runId}" data-scenario="isolated-copy-restore"`);
  });
});
