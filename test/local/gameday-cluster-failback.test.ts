import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { answersOperator } from '../../lib/local/gameday-operator';
import { runLocalGameDay } from '../../lib/local/local-gameday';
import { isProcessAlive, waitUntil } from '../../lib/local/processes';
import { tempDir } from '../helpers/temp-dir';
import { probeValidator, probeWriter } from './probe-workload';

/** A cluster's local game day at the engine level (the passing CLI run is in test/cli/gameday-local-cluster.test.ts). */
describe('the local game day of an Aurora cluster can fail at its failback', () => {
  test('GIVEN clients on the global writer endpoint WHEN the global database does not move it back to the primary cluster THEN the failback fails at verify naming where it still leads, the baseline says so, the game day FAILS and no server is left', async () => {
    const dir = tempDir('rxdr-gameday-cluster-');
    const shown: string[] = [];
    const result = await runLocalGameDay({
      scenario: 'primary-instance-failure',
      engine: 'aurora-postgresql',
      clientsUseGlobalWriterEndpoint: true,
      operator: answersOperator(
        { preflight: 'yes', strategy: 'global-failover', approval: 'approve', verify: 'yes' },
        (text) => shown.push(text),
      ),
      show: (text) => shown.push(text),
      prescriptions: 100,
      loadSecondsAfterBackup: 1,
      evidenceDir: path.join(dir, 'evidence'),
      hooks: { unitWriter: probeWriter(), validator: () => probeValidator() },
      failbackHooks: { moveGlobalWriter: async () => undefined },
    });
    const doc = result.gameDay;
    expect(result.evidence).toMatchObject({ result: 'passed', runbook: { strategy: 'global-failover' } });
    expect(doc).toMatchObject({ kind: 'gameday', result: 'failed', gameDay: { baseline: { how: 'failback' } } });

    const failback = JSON.parse(readFileSync(doc.gameDay!.runbookEvidence![1]!, 'utf8'));
    expect(failback).toMatchObject({
      result: 'failed',
      failedStep: 'verify',
      target: { engine: 'aurora-postgresql', details: { resource: 'aurora-cluster' } },
      runbook: { operation: 'failback', status: 'failed' },
    });
    expect(failback.failureReason).toMatch(
      /global-writer-endpoint: \S+ still leads to rxdr_standby at 127\.0\.0\.1:\d+, not to rxdr_primary/,
    );
    expect(doc.gameDay?.baseline?.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^the failback failed: /),
        expect.stringMatching(/^the global database reports rxdr_standby as its writer at .*, not rxdr_primary/),
        expect.stringMatching(
          /^the endpoint file names pharmacy-global\.global-writer\.local:5432 \(127\.0\.0\.1:\d+\), not the failback server/,
        ),
      ]),
    );

    // Every server the game day started, the failback server among them, is stopped and its directory removed.
    expect(result.pids.length).toBeGreaterThan(2);
    expect(await waitUntil(() => result.pids.every((pid) => !isProcessAlive(pid)), 5_000)).toBe(true);
    expect(existsSync(result.workspace)).toBe(false);
  });
});
