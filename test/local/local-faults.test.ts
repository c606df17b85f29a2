import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseEvidence } from '../../engines/evidence';
import { runLocalDrill } from '../../lib/local/local-drill';
import { serverUser } from '../../lib/local/server-user';
import { isProcessAlive, waitUntil } from '../../lib/local/processes';
import { probeValidator, probeWriter, segmentsAfterBackup } from './probe-workload';

/** The postmaster whose command line names a data directory under `under` (the restored server). */
function postmasterUnder(under: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (
        path.basename(cmdline[0] ?? '') === 'postgres' &&
        cmdline.some((arg) => arg.startsWith(under) && arg.endsWith('/data'))
      )
        return Number(entry);
    } catch {
      // exited
    }
  }
  return undefined;
}

describe('local drill when the restored server dies', () => {
  let evidenceDir: string;
  beforeAll(async () => {
    evidenceDir = await mkdtemp(path.join(tmpdir(), 'rxdr-evidence-faults-'));
  });
  afterAll(async () => {
    await rm(evidenceDir, { recursive: true, force: true });
  });

  test('GIVEN the restored server is SIGKILLed while it replays WAL THEN the drill fails within seconds saying so, cleans up and records evidence', async () => {
    let fifo = '';
    let killedAt = 0;
    let postmaster: number | undefined;
    const killer = { stop: false };
    const result = await runLocalDrill({
      evidenceDir,
      prescriptions: 200,
      loadSecondsAfterBackup: 4,
      hooks: {
        unitWriter: probeWriter(),
        validator: () => probeValidator(),
        // Hold recovery at one archived segment after the backup (a slow archive: `cp` waits on a FIFO), so
        // the server is up, accepts read-only connections and is still replaying when it is killed.
        beforeRestore: async ({ archiveDir, backup }) => {
          const after = await segmentsAfterBackup(archiveDir, backup);
          expect(after.length).toBeGreaterThanOrEqual(2);
          fifo = path.join(archiveDir, after[1]!);
          await unlink(fifo);
          execFileSync('mkfifo', ['-m', '0666', fifo]);
          await (await serverUser()).own(fifo);
          const restores = path.join(path.dirname(archiveDir), 'restores');
          void (async () => {
            await waitUntil(() => killer.stop || postmasterUnder(restores) !== undefined, 60_000, 50);
            postmaster = postmasterUnder(restores);
            if (postmaster === undefined) return;
            await new Promise((resolve) => setTimeout(resolve, 1500)); // it is replaying, blocked on the FIFO
            process.kill(postmaster, 'SIGKILL');
            killedAt = Date.now();
            // Let the blocked `cp` see end-of-file so it exits too.
            closeSync(openSync(fifo, 'r+'));
          })();
        },
      },
    });
    killer.stop = true;

    expect(postmaster).toBeDefined();
    const evidence = result.evidence;
    expect(evidence.result).toBe('failed');
    expect(evidence.failedStep).toBe('wait-available');
    expect(evidence.failureReason).toMatch(/restored PostgreSQL server \(pid \d+\) exited before it became available/);
    expect(Date.parse(evidence.timestamps.recorded) - killedAt).toBeLessThan(15_000);
    expect(evidence.cleanup.status).toBe('deleted');
    expect(result.evidenceLocation && parseEvidence(JSON.parse(readFileSync(result.evidenceLocation, 'utf8')))).toEqual(
      evidence,
    );
    expect(await waitUntil(() => result.pids.every((pid) => !isProcessAlive(pid)), 5_000)).toBe(true);
    expect(existsSync(result.workspace)).toBe(false);
  });
});
