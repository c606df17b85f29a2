import { existsSync } from 'node:fs';
import { GLOBAL_WRITER_ENDPOINT } from '../../lib/local/local-global-database';
import { runLocalFailover, type LocalFailoverResult } from '../../lib/local/local-failover';
import { isProcessAlive, waitUntil } from '../../lib/local/processes';
import { probeValidator, probeWriter } from './probe-workload';

/**
 * A cluster's local failovers on real PostgreSQL, at the engine level (the CLI runs are in
 * test/cli/failover-local-strategies.test.ts): the failure paths, each proving that nothing is left behind.
 */
describe('local failover of an Aurora cluster', () => {
  async function expectNothingLeft(result: LocalFailoverResult): Promise<void> {
    expect(await waitUntil(() => result.pids.every((pid) => !isProcessAlive(pid)), 5_000)).toBe(true);
    expect(existsSync(result.workspace)).toBe(false);
  }

  test('GIVEN clients on the global writer endpoint WHEN the global database does not move it to the new writer THEN verify fails the run naming where it still leads, and nothing is left', async () => {
    const result = await runLocalFailover({
      evidenceDir: null,
      prescriptions: 100,
      loadSecondsAfterBackup: 1,
      strategy: 'global-failover',
      engine: 'aurora-postgresql',
      clientsUseGlobalWriterEndpoint: true,
      hooks: {
        unitWriter: probeWriter(),
        validator: () => probeValidator(),
        moveGlobalWriter: async () => undefined,
      },
    });
    const evidence = result.evidence;
    expect(evidence).toMatchObject({ result: 'failed', failedStep: 'verify', cleanup: { status: 'deleted' } });
    expect(evidence.failureReason).toMatch(
      /global-writer-endpoint: \S+ still leads to rxdr_primary at 127\.0\.0\.1:\d+, not to rxdr_standby/,
    );
    // Validation passed and no pointer was changed: only verify can tell that clients reach the dead primary.
    expect(evidence.checks.find((c) => c.id === 'probe.rows')?.status).toBe('passed');
    expect(evidence.runbook?.repointed?.[0]).toMatchObject({
      kind: 'global-writer-endpoint',
      name: GLOBAL_WRITER_ENDPOINT,
    });
    await expectNothingLeft(result);
  });

  test('GIVEN --engine aurora-postgresql point-in-time WHEN the validator crashes after the cluster and its instance are restored THEN the run fails and the restored cluster is deleted', async () => {
    const result = await runLocalFailover({
      evidenceDir: null,
      prescriptions: 100,
      loadSecondsAfterBackup: 1,
      strategy: 'point-in-time',
      engine: 'aurora-postgresql',
      hooks: {
        unitWriter: probeWriter(),
        validator: () => ({ validate: () => Promise.reject(new Error('validator crashed')) }),
      },
    });
    const evidence = result.evidence;
    expect(evidence).toMatchObject({
      result: 'failed',
      source: { kind: 'point-in-time' },
      target: { identifier: 'pharmacy-restored', engine: 'aurora-postgresql' },
      cleanup: { status: 'deleted' },
    });
    expect(evidence.failureReason).toContain('validator crashed');
    expect(evidence.cleanup.resources.some((r) => r.startsWith('restore-'))).toBe(true);
    expect(result.pids.length).toBeGreaterThan(0);
    await expectNothingLeft(result);
  });
});
