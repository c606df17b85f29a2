import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseEvidence } from '../../engines/evidence';
import { runLocalDrill, type LocalDrillOptions } from '../../lib/local/local-drill';
import { isProcessAlive, waitUntil } from '../../lib/local/processes';
import { probeValidator, probeWriter, segmentsAfterBackup } from './probe-workload';

/** A 100-prescription drill whose validator throws once the restored copy is up. */
const drillWithCrashingValidator = (options: LocalDrillOptions = {}) =>
  runLocalDrill({
    evidenceDir: null,
    prescriptions: 100,
    loadSecondsAfterBackup: 1,
    ...options,
    hooks: {
      unitWriter: probeWriter(),
      validator: () => ({ validate: () => Promise.reject(new Error('validator crashed')) }),
    },
  });
const VALIDATOR_CRASHED = {
  result: 'failed',
  failedStep: 'validate',
  failureReason: 'validation could not run: validator crashed',
};

/**
 * The local drill's restore machinery on real PostgreSQL (archiving, base backup, PITR to latest, cleanup),
 * with a one-table probe workload so these tests do not depend on the pharmacy engine; the pharmacy
 * end-to-end run is in test/cli/drill-local.test.ts.
 */
describe('local drill on real PostgreSQL', () => {
  let evidenceDir: string;
  beforeAll(async () => {
    evidenceDir = await mkdtemp(path.join(tmpdir(), 'rxdr-evidence-test-'));
  });
  afterAll(async () => {
    await rm(evidenceDir, { recursive: true, force: true });
  });

  async function expectNothingLeft(result: { pids: number[]; workspace: string }): Promise<void> {
    expect(result.pids.length).toBeGreaterThanOrEqual(3); // primary postmaster + children + watchdog at least
    const gone = await waitUntil(() => result.pids.every((pid) => !isProcessAlive(pid)), 5_000);
    expect(result.pids.filter((pid) => isProcessAlive(pid))).toEqual([]);
    expect(gone).toBe(true);
    expect(existsSync(result.workspace)).toBe(false);
  }

  test('GIVEN a primary under write load WHEN it is killed and restored to the latest point THEN the drill passes within archive_timeout + 1 s and leaves nothing behind', async () => {
    const result = await runLocalDrill({
      evidenceDir,
      prescriptions: 200,
      archiveTimeoutSeconds: 1,
      loadSecondsAfterBackup: 2,
      hooks: { unitWriter: probeWriter(), validator: () => probeValidator() },
    });

    const evidence = result.evidence;
    expect(evidence.failureReason).toBeUndefined();
    expect(evidence.result).toBe('passed');
    expect(evidence.achievedRtoSeconds).toBeGreaterThan(0);
    expect(evidence.achievedRpoSeconds).toBeGreaterThanOrEqual(0);
    expect(evidence.achievedRpoSeconds).toBeLessThanOrEqual(2);
    expect(evidence.checks.map((c) => [c.id, c.status])).toEqual([
      ['restore.wal-continuity', 'passed'],
      ['probe.rows', 'passed'],
      ['drill.rto-target', 'passed'],
      ['drill.rpo-target', 'passed'],
    ]);
    expect(evidence.cleanup.status).toBe('deleted');
    expect(evidence.timestamps.disaster! <= evidence.timestamps.restoreStarted!).toBe(true);
    expect(evidence.target?.engineVersion).toMatch(/^\d+/);
    // The evidence file is the same document, valid against the schema.
    expect(result.evidenceLocation).toContain(evidenceDir);
    expect(parseEvidence(JSON.parse(await readFile(result.evidenceLocation!, 'utf8')))).toEqual(evidence);
    await expectNothingLeft(result);
  });

  test('GIVEN an archived WAL segment removed after the base backup THEN recovery stops at the gap, the drill fails saying so, and still cleans up', async () => {
    let removed = '';
    const result = await runLocalDrill({
      evidenceDir: null,
      prescriptions: 200,
      archiveTimeoutSeconds: 1,
      loadSecondsAfterBackup: 5,
      hooks: {
        unitWriter: probeWriter(),
        validator: () => probeValidator(),
        beforeRestore: async ({ archiveDir, backup }) => {
          const after = await segmentsAfterBackup(archiveDir, backup);
          expect(after.length).toBeGreaterThanOrEqual(3);
          removed = after[0]!;
          await unlink(path.join(archiveDir, removed));
        },
      },
    });

    const evidence = result.evidence;
    expect(evidence.result).toBe('failed');
    expect(evidence.achievedRpoSeconds).toBeGreaterThan(2);
    expect(evidence.failureReason).toContain(`WAL segment ${removed} is missing from the archive`);
    expect(evidence.failureReason).toMatch(/achieved RPO [\d.]+ s exceeds the target 2.00 s/);
    expect(evidence.checks.find((c) => c.id === 'restore.wal-continuity')?.status).toBe('failed');
    expect(evidence.checks.find((c) => c.id === 'drill.rpo-target')?.status).toBe('failed');
    expect(evidence.cleanup.status).toBe('deleted');
    await expectNothingLeft(result);
  });

  test('GIVEN a crash in the middle of the drill (the validator throws) THEN the drill fails and no process it started survives', async () => {
    const result = await drillWithCrashingValidator();
    expect(result.evidence).toMatchObject(VALIDATOR_CRASHED);
    await expectNothingLeft(result);
  });

  test('GIVEN an Aurora cluster (engine aurora-postgresql) and a validator that crashes THEN the cluster and its instance were restored, the drill fails, and both are deleted', async () => {
    const details: string[] = [];
    const result = await drillWithCrashingValidator({
      engine: 'aurora-postgresql',
      onProgress: (p) => details.push(`${p.phase}: ${p.detail ?? ''}`),
    });
    expect(result.evidence).toMatchObject({
      ...VALIDATOR_CRASHED,
      cleanup: { status: 'deleted' },
      target: { engine: 'aurora-postgresql', details: { resource: 'aurora-cluster', members: '1' } },
    });
    const target = result.evidence.target!;
    expect(target.details?.instance).toBe(target.identifier);
    expect(target.engineVersion).toMatch(/^\d+/);
    expect(details.find((d) => d.startsWith('drill:wait-available'))).toMatch(/accepting connections/);
    await expectNothingLeft(result);
  });

  test('GIVEN a setup step that throws THEN the error propagates and the primary, watchdog and workspace are gone', async () => {
    const seen: number[] = [];
    const baseDir = await mkdtemp(path.join(tmpdir(), 'rxdr-crash-'));
    await chmod(baseDir, 0o755); // the server user must reach the workspace inside it
    try {
      await expect(
        runLocalDrill({
          evidenceDir: null,
          prescriptions: 100,
          baseDir,
          onProgress: (p) => {
            for (const match of (p.detail ?? '').matchAll(/pid (\d+)/g)) seen.push(Number(match[1]));
          },
          hooks: {
            unitWriter: async () => {
              throw new Error('write load crashed');
            },
          },
        }),
      ).rejects.toThrow(/write load crashed/);
      expect(seen.length).toBe(1);
      expect(await waitUntil(() => seen.every((pid) => !isProcessAlive(pid)), 5_000)).toBe(true);
      expect(await readdir(baseDir)).toEqual([]);
    } finally {
      await rm(baseDir, { recursive: true, force: true });
    }
  });
});
