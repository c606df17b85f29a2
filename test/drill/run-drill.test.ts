import { engineEvidenceChecks, type EngineCheckName } from './engine-checks';
import { FileEvidenceStore, parseEvidence } from '../../engines/evidence';
import {
  Clock,
  DrillInput,
  DrillValidator,
  RestoreHandle,
  RestoreProvider,
  RestoreStatus,
  runDrill,
} from '../../engines/drill';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** A clock that only moves when the drill sleeps (or a provider call says it took time). */
function fakeClock(start = '2026-11-02T03:00:00.000Z'): Clock & { advance(ms: number): void; sleeps: number[] } {
  let now = new Date(start).getTime();
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => new Date(now),
    advance: (ms) => (now += ms),
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

/** A provider that records every call and becomes available after `availableAfterPolls` describes. */
function fakeProvider(
  clock: ReturnType<typeof fakeClock>,
  behaviour: {
    availableAfterPolls?: number;
    restoreFails?: string;
    deleteThrows?: string;
    deletedAfterPolls?: number;
  } = {},
) {
  const calls: string[] = [];
  let polls = 0;
  let deletionPolls = 0;
  const provider: RestoreProvider = {
    name: 'fake',
    findSource: async (database) => {
      calls.push(`findSource ${database}`);
      return { id: 'rp-1', kind: 'snapshot', recoveryPointTime: '2026-11-02T02:59:00.000Z', sourceDatabase: database };
    },
    startRestore: async (source, drillId) => {
      calls.push(`startRestore ${source.id} ${drillId}`);
      return { id: `drill-${drillId}`, details: {} };
    },
    describeRestore: async (handle: RestoreHandle): Promise<RestoreStatus> => {
      calls.push(`describeRestore ${handle.id}`);
      polls += 1;
      if (behaviour.restoreFails) return { state: 'failed', reason: behaviour.restoreFails };
      if (polls >= (behaviour.availableAfterPolls ?? 1))
        return { state: 'available', target: { identifier: handle.id, engine: 'postgres', endpoint: 'h:5432' } };
      return { state: 'pending', detail: 'creating' };
    },
    connection: async (handle) => ({ url: `postgres://x@h/${handle.id}`, display: 'h:5432/app' }),
    deleteRestored: async (handle) => {
      calls.push(`deleteRestored ${handle.id}`);
      if (behaviour.deleteThrows) throw new Error(behaviour.deleteThrows);
    },
    describeDeletion: async (handle) => {
      calls.push(`describeDeletion ${handle.id}`);
      deletionPolls += 1;
      return deletionPolls >= (behaviour.deletedAfterPolls ?? 1) ? { state: 'deleted' } : { state: 'deleting' };
    },
  };
  void clock;
  return { provider, calls };
}

/** A stand-in for the validation engine that answers what the engine would: its checks, through the real mapping. */
function validator(
  result: { passed: boolean; rpo?: number; failing?: EngineCheckName },
  clock?: ReturnType<typeof fakeClock>,
): DrillValidator {
  return {
    validate: async () => {
      clock?.advance(30_000);
      return { passed: result.passed, achievedRpoSeconds: result.rpo, checks: engineEvidenceChecks(result) };
    },
  };
}

const input: DrillInput = {
  drillId: 'd1',
  environment: 'test',
  database: 'dispensing',
  tier: 1,
  targets: { rtoSeconds: 3600, rpoSeconds: 300 },
  selector: { kind: 'latest' },
  startedBy: 'test',
  toolVersion: '0.0.0',
  restoreTimeoutSeconds: 3600,
  poll: { initialSeconds: 30, factor: 2, maxSeconds: 300 },
};

describe('runDrill (shared step logic)', () => {
  test('GIVEN a restore that becomes available WHEN the drill runs THEN it validates, deletes, and records passed evidence', async () => {
    const clock = fakeClock();
    const { provider, calls } = fakeProvider(clock, { availableAfterPolls: 4, deletedAfterPolls: 2 });
    const run = await runDrill(input, { provider, validator: validator({ passed: true, rpo: 42 }, clock), clock });

    expect(run.evidence.result).toBe('passed');
    expect(run.evidence.achievedRpoSeconds).toBe(42);
    // RTO without a disaster time: restore start → validated = 30+60+120+240 s of polling + 30 s validation.
    expect(run.evidence.achievedRtoSeconds).toBe(480);
    expect(clock.sleeps.slice(0, 4)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(calls.filter((c) => c.startsWith('startRestore'))).toEqual(['startRestore rp-1 d1']);
    expect(calls.filter((c) => c.startsWith('deleteRestored'))).toEqual(['deleteRestored drill-d1']);
    expect(run.evidence.cleanup).toEqual({ status: 'deleted', resources: ['drill-d1'] });
    expect(run.evidence.checks.map((c) => c.id)).toEqual([
      ...engineEvidenceChecks({ passed: true }).map((c) => c.id),
      'drill.rto-target',
      'drill.rpo-target',
    ]);
    expect(() => parseEvidence(JSON.parse(JSON.stringify(run.evidence)))).not.toThrow();
  });

  test('polling backs off up to maxSeconds and never sleeps past the timeout', async () => {
    const clock = fakeClock();
    const { provider, calls } = fakeProvider(clock, { availableAfterPolls: 1_000 });
    const run = await runDrill(
      { ...input, restoreTimeoutSeconds: 1000 },
      { provider, validator: validator({ passed: true, rpo: 1 }), clock },
    );

    expect(run.evidence.result).toBe('failed');
    expect(run.evidence.failedStep).toBe('wait-available');
    expect(run.evidence.failureReason).toMatch(/not available after 1000 s \(timeout 1000 s\); last status: creating/);
    // restore polls 30, 60, 120, 240, 300, then only the 250 s left; then one cleanup poll after 30 s.
    expect(clock.sleeps).toEqual([30, 60, 120, 240, 300, 250, 30].map((s) => s * 1000));
    expect(calls).toContain('deleteRestored drill-d1');
    expect(run.evidence.cleanup.status).toBe('deleted');
  });

  test('a failed restore is recorded with its reason and still cleaned up', async () => {
    const clock = fakeClock();
    const { provider, calls } = fakeProvider(clock, { restoreFails: 'storage-full' });
    const run = await runDrill(input, { provider, validator: validator({ passed: true }), clock });
    expect(run.evidence).toMatchObject({
      result: 'failed',
      failedStep: 'wait-available',
      failureReason: 'restore drill-d1 failed: storage-full',
    });
    expect(calls).toContain('deleteRestored drill-d1');
  });

  test('an RPO above the target fails the drill and says so, even when every data check passed', async () => {
    const clock = fakeClock();
    const { provider } = fakeProvider(clock);
    const run = await runDrill(input, { provider, validator: validator({ passed: true, rpo: 301 }), clock });
    expect(run.evidence.result).toBe('failed');
    expect(run.evidence.failedStep).toBe('targets');
    expect(run.evidence.failureReason).toMatch(/achieved RPO 301.0 s exceeds the target 300.0 s/);
    expect(run.evidence.checks.find((c) => c.id === 'drill.rpo-target')?.status).toBe('failed');
  });

  test('a failing validation check fails the drill and names the check', async () => {
    const clock = fakeClock();
    const { provider } = fakeProvider(clock);
    const run = await runDrill(input, {
      provider,
      validator: validator({ passed: false, rpo: 1, failing: 'fill-numbering' }),
      clock,
    });
    expect(run.evidence.failureReason).toMatch(
      /validation failed: fill-numbering \(matched=false; offending: fill:1-10\)/,
    );
  });

  test('a validator that throws is a failed drill, not a crash, and cleanup runs', async () => {
    const clock = fakeClock();
    const { provider, calls } = fakeProvider(clock);
    const run = await runDrill(input, {
      provider,
      validator: { validate: () => Promise.reject(new Error('connection refused')) },
      clock,
    });
    expect(run.evidence).toMatchObject({
      result: 'failed',
      failedStep: 'validate',
      failureReason: 'validation could not run: connection refused',
    });
    expect(calls).toContain('deleteRestored drill-d1');
  });

  test('a cleanup failure fails an otherwise passing drill', async () => {
    const clock = fakeClock();
    const { provider } = fakeProvider(clock, { deleteThrows: 'AccessDenied' });
    const run = await runDrill(input, { provider, validator: validator({ passed: true, rpo: 1 }), clock });
    expect(run.evidence).toMatchObject({
      result: 'failed',
      failedStep: 'cleanup',
      cleanup: { status: 'failed', message: 'delete of drill-d1 failed: AccessDenied' },
    });
  });

  test('an abort skips the remaining steps but still deletes the restore', async () => {
    const clock = fakeClock();
    const { provider, calls } = fakeProvider(clock, { availableAfterPolls: 1_000 });
    const controller = new AbortController();
    const originalSleep = clock.sleep;
    clock.sleep = async (ms) => {
      await originalSleep(ms);
      if (clock.sleeps.length === 3) controller.abort(new Error('SIGINT'));
    };
    const run = await runDrill(input, {
      provider,
      validator: validator({ passed: true }),
      clock,
      signal: controller.signal,
    });
    expect(run.evidence).toMatchObject({ result: 'failed', failedStep: 'aborted' });
    expect(run.evidence.failureReason).toMatch(/SIGINT/);
    expect(calls).toContain('deleteRestored drill-d1');
  });

  test('--keep leaves the restore and records that it was kept', async () => {
    const clock = fakeClock();
    const { provider, calls } = fakeProvider(clock);
    const run = await runDrill(
      { ...input, keep: true },
      { provider, validator: validator({ passed: true, rpo: 1 }), clock },
    );
    expect(calls.some((c) => c.startsWith('deleteRestored'))).toBe(false);
    expect(run.evidence.cleanup.status).toBe('kept');
  });

  test('RTO counts from the disaster when there is one, and evidence is written to the store', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rxdr-evidence-'));
    try {
      const clock = fakeClock();
      const { provider } = fakeProvider(clock);
      const store = new FileEvidenceStore(dir);
      const run = await runDrill(
        { ...input, disasterAt: '2026-11-02T02:59:50.000Z' },
        { provider, validator: validator({ passed: true, rpo: 1 }, clock), clock, evidence: store },
      );
      expect(run.evidence.achievedRtoSeconds).toBe(10 + 30 + 30);
      expect(run.evidenceLocation).toContain(path.join(dir, 'test', 'dispensing'));
      const listed = await store.list();
      expect(listed.documents).toEqual([run.evidence]);
      expect(listed.invalid).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
