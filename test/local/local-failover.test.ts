import { existsSync } from 'node:fs';
import { runLocalFailover } from '../../lib/local/local-failover';
import { isProcessAlive, waitUntil } from '../../lib/local/processes';
import { Client } from 'pg';
import { readPointer } from '../../lib/local/failover-probes';
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

async function query<T extends object>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('local planned switchover (global-switchover) that cannot complete', () => {
  test('GIVEN the standby cannot catch up with the frozen primary (its replay is paused) WHEN a switchover runs THEN it fails safe: nothing is promoted, the freeze is lifted, the primary takes writes and clients still point at it', async () => {
    let seen:
      { standbyRecovering: boolean; primaryWrite: number; pointerPort?: number; primaryPort: number } | undefined;
    const result = await runLocalFailover({
      evidenceDir: null,
      prescriptions: 200,
      loadSecondsAfterBackup: 1,
      strategy: 'global-switchover',
      catchUpTimeoutSeconds: 1,
      hooks: {
        unitWriter: probeWriter(),
        validator: () => probeValidator(),
        // Replication breaks just before the switchover: the standby receives WAL but replays none of it.
        siteReady: async (site) => void (await query(site.standby.url(), 'SELECT pg_wal_replay_pause()')),
      },
      afterPhases: async (_state, _status, { site }) => {
        const [standby] = await query<{ r: boolean }>(site.standby.url(), 'SELECT pg_is_in_recovery() AS r');
        // A fresh session with the server's defaults: it is read-only while the freeze holds.
        const inserted = await query(
          site.primary.url('pharmacy'),
          'INSERT INTO rxdr_probe (at) VALUES (now()) RETURNING id',
        );
        seen = {
          standbyRecovering: standby!.r,
          primaryWrite: inserted.length,
          pointerPort: (await readPointer(site.endpointFile))?.port,
          primaryPort: site.primary.port,
        };
      },
    });
    const { evidence, failover } = result;
    expect(failover.status).toBe('failed');
    expect(failover.state.failedStep).toBe('wait-available');
    expect(evidence.result).toBe('failed');
    expect(evidence.failureReason).toMatch(
      /rxdr_standby did not catch up with the primary's WAL position \S+ within 1 s .*nothing was promoted/,
    );
    expect(seen).toEqual({
      standbyRecovering: true,
      primaryWrite: 1,
      pointerPort: seen?.primaryPort,
      primaryPort: seen?.primaryPort,
    });
    const steps = evidence.runbook!.steps;
    expect(steps.find((s) => s.name === 'freeze')?.detail).toMatch(/the primary is read-only .* at WAL position/);
    expect(steps.find((s) => s.name === 'unfreeze')?.detail).toMatch(
      /^lifted: nothing was promoted; .*takes writes again \(\d+ units committed through the pointer\)/,
    );
    expect(steps.some((s) => s.name === 'repoint')).toBe(false);
    expect(evidence.cleanup.status).toBe('deleted');
    expect(await waitUntil(() => result.pids.every((pid) => !isProcessAlive(pid)), 5_000)).toBe(true);
  });
});
