import { existsSync } from 'node:fs';
import { runLocalFailover } from '../../lib/local/local-failover';
import { isProcessAlive, waitUntil } from '../../lib/local/processes';
import { probeValidator, probeWriter } from './probe-workload';

describe('local failover on real PostgreSQL', () => {
  test('GIVEN a primary with a streaming standby under load WHEN the primary is killed THEN the standby is promoted, validated, and nothing is left running', async () => {
    const result = await runLocalFailover({
      evidenceDir: null,
      prescriptions: 200,
      loadSecondsAfterBackup: 2,
      hooks: { unitWriter: probeWriter(), validator: () => probeValidator() },
    });
    const evidence = result.evidence;
    expect(evidence.failureReason).toBeUndefined();
    expect(evidence).toMatchObject({
      kind: 'failover',
      result: 'passed',
      source: { kind: 'replica' },
      cleanup: { status: 'deleted' },
    });
    expect(evidence.achievedRtoSeconds).toBeGreaterThan(0);
    // Streaming replication loses at most what was in flight: well under the archive-based target.
    expect(evidence.achievedRpoSeconds).toBeLessThanOrEqual(1);
    expect(evidence.checks.every((c) => c.status === 'passed')).toBe(true);
    expect(new Date(evidence.timestamps.available!) >= new Date(evidence.timestamps.disaster!)).toBe(true);
    expect(await waitUntil(() => result.pids.every((pid) => !isProcessAlive(pid)), 5_000)).toBe(true);
    expect(existsSync(result.workspace)).toBe(false);
  });
});

describe('local failover of an Aurora cluster (PostgreSQL with a streaming replica)', () => {
  test('GIVEN the global-failover strategy WHEN the primary is killed THEN the engine fails over to the streaming standby (the secondary) and records it as the cluster strategy', async () => {
    const result = await runLocalFailover({
      evidenceDir: null,
      prescriptions: 200,
      loadSecondsAfterBackup: 2,
      strategy: 'global-failover',
      hooks: { unitWriter: probeWriter(), validator: () => probeValidator() },
    });
    expect(result.evidence.failureReason).toBeUndefined();
    expect(result.evidence).toMatchObject({
      result: 'passed',
      source: { kind: 'replica' },
      runbook: { strategy: 'global-failover', status: 'completed' },
      cleanup: { status: 'deleted' },
    });
    expect(result.evidence.achievedRpoSeconds).toBeLessThanOrEqual(1);
    expect(result.evidence.runbook!.steps.find((s) => s.name === 'recover')!.detail).toMatch(/standby/);
  });
});
