import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import { answersOperator } from '../../lib/local/gameday-operator';
import { runLocalGameDay } from '../../lib/local/local-gameday';
import { tempDir } from '../helpers/temp-dir';

describe('the local recovery-store game days can fail', () => {
  test('GIVEN a recovery store whose lock is gone WHEN the attacker deletes the recovery point THEN it really is deleted, the detection still fires, and the game day FAILS naming the deletion that was not refused and the recovery point that no longer restores', async () => {
    const dir = tempDir('rxdr-gameday-unlocked-');
    const shown: string[] = [];
    const result = await runLocalGameDay({
      scenario: 'recovery-point-deletion-attempt',
      operator: answersOperator({ detection: 'yes', intact: 'yes' }, (text) => shown.push(text)),
      show: (text) => shown.push(text),
      prescriptions: 100,
      evidenceDir: path.join(dir, 'evidence'),
      storeHooks: {
        // Someone with root removed the lock: the store's code and the kernel have nothing left to enforce.
        afterLock: async (store) => {
          await rm(store.lockFile);
        },
      },
    });
    const doc = result.gameDay;
    expect(doc).toMatchObject({ kind: 'gameday', result: 'failed', provider: 'local' });
    expect(doc.failureReason).toMatch(/the deletion attempt was not refused: DeleteRecoveryPoint backup-1 \(store\)/);
    expect(doc.failureReason).toMatch(/file\(s\) of the recovery store are gone/);
    expect(doc.failureReason).toMatch(/the recovery point did not restore and validate: .*no base backup/);
    expect(doc.failureReason).toContain('decision intact: answered yes, the situation called for no');
    expect(doc.gameDay?.timeline.find((m) => m.name === 'alarm-raised')?.detail).toBe('local:recovery-point-deletion');
    expect(shown.join('\n')).toMatch(/NOT REFUSED {2}store: DeleteRecoveryPoint backup-1 — the store carried it out/);
    // The drill's own evidence says the restore found nothing to restore.
    expect(result.evidence).toMatchObject({ kind: 'drill', result: 'failed', failedStep: 'pick-source' });
    expect(existsSync(result.workspace)).toBe(false);
  });

  test('GIVEN the recovery store declared lost WHEN the operator restores from the lost store THEN nothing is recovered and the game day FAILS, and the store is still put back', async () => {
    const dir = tempDir('rxdr-gameday-wrong-store-');
    const shown: string[] = [];
    const result = await runLocalGameDay({
      scenario: 'isolated-copy-restore',
      operator: answersOperator({ source: 'recovery-store', verify: 'no' }, (text) => shown.push(text)),
      show: (text) => shown.push(text),
      prescriptions: 100,
      evidenceDir: path.join(dir, 'evidence'),
    });
    const doc = result.gameDay;
    expect(doc).toMatchObject({ result: 'failed', gameDay: { baseline: { problems: [] } } });
    expect(doc.failureReason).toContain(
      'decision source: answered recovery-store, the situation called for isolated-copy',
    );
    expect(doc.failureReason).toMatch(/nothing was recovered: the drill failed: .*no base backup in .*base-backups/);
    expect(doc.gameDay?.decisions?.find((d) => d.id === 'verify')).toMatchObject({ answer: 'no', correct: true });
    expect(doc.gameDay?.timeline.find((m) => m.name === 'verified')?.at).toBeUndefined();
    expect(shown.join('\n')).toContain('The declaration is withdrawn and the recovery store is back.');
  });
});
