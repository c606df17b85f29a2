import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseEvidence } from '../../engines/evidence';
import { isProcessAlive, waitUntil } from '../../lib/local/processes';
import { spawnRxdr } from '../helpers/cli';

/**
 * `rxdr drill|failover --local` as a user runs it (the bin script, a separate process) while one of its
 * PostgreSQL servers is SIGKILLed: one clear message, the documented exit code, no stack trace, nothing left.
 */
async function runKilling(args: string[], when: RegExp, victim: (stderr: string) => number | undefined) {
  const child = spawnRxdr(args);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    expect(await waitUntil(() => when.test(stderr), 90_000, 20)).toBe(true);
    const pid = victim(stderr);
    expect(pid).toBeDefined();
    process.kill(pid!, 'SIGKILL');
    const code = await exited;
    return { code, stdout, stderr, pid: pid! };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

describe('rxdr --local when a server it started is killed', () => {
  let evidenceDir: string;
  beforeEach(async () => {
    evidenceDir = await mkdtemp(path.join(tmpdir(), 'rxdr-cli-deaths-'));
  });
  afterEach(async () => {
    await rm(evidenceDir, { recursive: true, force: true });
  });

  test('GIVEN the primary is SIGKILLed while it is being seeded THEN `rxdr drill --local` exits 2 with one clear message, no stack trace, and removes its workspace', async () => {
    const result = await runKilling(
      ['drill', '--local', '--prescriptions', '50000', '--evidence-dir', evidenceDir],
      /^ {2}primary .* pid \d+ in /m,
      (stderr) => Number(/^ {2}primary .* pid (\d+) in /m.exec(stderr)?.[1]),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^error: the local drill could not be set up: the primary PostgreSQL server stopped while seeding .*Nothing was drilled; everything it started was removed\.$/m,
    );
    expect(result.stderr).not.toMatch(/pg-protocol|^\s+at /m);
    expect(result.stdout).toBe('');
    const workspace = /in (\/\S+rxdr-local-\w+)/.exec(result.stderr)?.[1];
    expect(workspace && existsSync(workspace)).toBe(false);
  });

  test('GIVEN the primary is SIGKILLed during the base backup THEN `rxdr drill --local` exits 2 saying the primary stopped during setup, with no stack trace', async () => {
    const result = await runKilling(
      ['drill', '--local', '--prescriptions', '300', '--evidence-dir', evidenceDir],
      /^ {2}write-load /m,
      (stderr) => Number(/^ {2}primary .* pid (\d+) in /m.exec(stderr)?.[1]),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^error: the local drill could not be set up: the primary PostgreSQL server stopped during setup \(/m,
    );
    expect(result.stderr).not.toMatch(/pg-protocol|^\s+at /m);
    const workspace = /in (\/\S+rxdr-local-\w+)/.exec(result.stderr)?.[1];
    expect(workspace && existsSync(workspace)).toBe(false);
  });

  test('GIVEN the standby is SIGKILLed before promotion THEN `rxdr failover --local` reports it once, exits 1 and writes the failed failover as evidence', async () => {
    const result = await runKilling(
      ['failover', '--local', '--prescriptions', '300', '--evidence-dir', evidenceDir],
      /^ {2}manifest /m,
      (stderr) => Number(/^ {2}standby .* pid (\d+)/m.exec(stderr)?.[1]),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAILED {2}local failover of 'pharmacy'/m);
    // The failover engine's reason: its error code and the preflight check that blocked, naming the dead server.
    expect(result.stdout).toMatch(
      /reason: Rxdr\.StepFailed: blocked: replica: the standby PostgreSQL server is not running: it exited before/,
    );
    expect(result.stdout.match(/standby PostgreSQL server is not running/g)).toHaveLength(1);
    expect(result.stderr).not.toMatch(/pg_ctl|^error:|^\s+at /m);
    const written = /evidence: (\S+\.json)/.exec(result.stdout)?.[1];
    const evidence = parseEvidence(JSON.parse(readFileSync(written!, 'utf8')));
    expect(evidence).toMatchObject({
      kind: 'failover',
      result: 'failed',
      failedStep: 'preflight',
      cleanup: { status: 'deleted' },
    });
    expect(evidence.failureReason).toMatch(/standby PostgreSQL server is not running/);
    expect(await waitUntil(() => !isProcessAlive(result.pid), 5_000)).toBe(true);
  });
});
