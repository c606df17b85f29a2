import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseEvidence } from '../../engines/evidence';
import { isProcessAlive, waitUntil } from '../../lib/local/processes';
import { rxdr, spawnRxdr } from '../helpers/cli';

/** Processes whose command line mentions `text` (e.g. a workspace directory): what a leak looks like. */
function processesMentioning(text: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) found.push(Number(entry));
    } catch {
      // exited
    }
  }
  return found;
}

describe('rxdr drill --local (pharmacy engine, real PostgreSQL)', () => {
  let evidenceDir: string;
  beforeAll(async () => {
    evidenceDir = await mkdtemp(path.join(tmpdir(), 'rxdr-cli-evidence-'));
  });
  afterAll(async () => {
    await rm(evidenceDir, { recursive: true, force: true });
  });

  test('--json prints one evidence document: passed, positive RTO, RPO within archive_timeout + 1 s, every pharmacy check passed', async () => {
    const result = await rxdr('drill', '--local', '--prescriptions', '500', '--json', '--evidence-dir', evidenceDir);
    expect(result.stderr).toMatch(/drill:validate/);
    expect(result.code).toBe(0);
    const evidence = parseEvidence(JSON.parse(result.stdout));
    expect(evidence).toMatchObject({
      kind: 'drill',
      environment: 'local',
      provider: 'local',
      database: 'pharmacy',
      result: 'passed',
      cleanup: { status: 'deleted' },
    });
    expect(evidence.achievedRtoSeconds).toBeGreaterThan(0);
    expect(evidence.achievedRpoSeconds).toBeLessThanOrEqual(2);
    expect(evidence.targets.rpoSeconds).toBe(2);
    expect(evidence.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    const ids = evidence.checks.map((c) => c.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'restore.wal-continuity',
        'row-counts',
        'checksums',
        'audit-chain',
        'epcs-signatures',
        'drill.rto-target',
        'drill.rpo-target',
      ]),
    );
    // Progress on stderr names each phase with its duration.
    for (const phase of [
      'primary',
      'seed',
      'base-backup',
      'manifest',
      'disaster',
      'drill:wait-available',
      'drill:validate',
      'cleanup',
    ]) {
      expect(result.stderr).toMatch(new RegExp(`^  ${phase} +\\d+\\.\\d\\d s`, 'm'));
    }
    const written = result.stderr.match(/^evidence: (.+)$/m)?.[1];
    expect(written && parseEvidence(JSON.parse(readFileSync(written, 'utf8')))).toEqual(evidence);
  });

  test('--engine aurora-postgresql drills a cluster: restored, its instance added, validated, both deleted, evidence says cluster', async () => {
    const result = await rxdr(
      'drill',
      '--local',
      '--engine',
      'aurora-postgresql',
      '--prescriptions',
      '300',
      '--json',
      '--evidence-dir',
      evidenceDir,
    );
    expect(result.stderr).toMatch(/rxdr drill --local --engine aurora-postgresql/);
    expect(result.code).toBe(0);
    const evidence = parseEvidence(JSON.parse(result.stdout));
    expect(evidence).toMatchObject({
      kind: 'drill',
      provider: 'local',
      result: 'passed',
      cleanup: { status: 'deleted' },
      target: { engine: 'aurora-postgresql', details: { resource: 'aurora-cluster', members: '1' } },
    });
    expect(evidence.target?.details?.instance).toBe(evidence.target?.identifier);
    expect(evidence.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    expect(evidence.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['restore.wal-continuity', 'checksums']));
    const workspace = result.stderr.match(/^ {2}cleanup +[\d.]+ s {2}removed (\S+)$/m)?.[1];
    expect(workspace).toBeDefined();
    expect(existsSync(workspace!)).toBe(false);
    // The watchdog gets SIGKILL as the run ends; on a loaded machine it can take a moment to go. A server left
    // running would stay.
    expect(await waitUntil(() => processesMentioning(workspace!).length === 0, 5_000)).toBe(true);
  });

  test.each([
    [['--engine', 'aurora-postgresql'], /--engine aurora-postgresql is a local drill's option/],
    [
      ['--local', '--engine', 'mysql'],
      /--engine 'mysql' is not an engine the local drill rehearses: choose one of postgres, aurora-postgresql/,
    ],
  ])('GIVEN drill %j THEN it exits 2 saying what to do, before starting anything', async (flags, message) => {
    const result = await rxdr('drill', ...flags, '--evidence-dir', evidenceDir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/^ {2}primary /m);
  });

  test('GIVEN the rxdr process is SIGKILLed mid-drill THEN the watchdog stops every server it started and removes its directory', async () => {
    const child = spawnRxdr(['drill', '--local', '--prescriptions', '300', '--evidence-dir', evidenceDir]);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      const reached = await waitUntil(() => /^ {2}base-backup /m.test(stderr), 60_000, 50);
      expect(reached).toBe(true);
      const workspace = /in (\/\S+rxdr-local-\w+)/.exec(stderr)?.[1];
      const postmaster = Number(/pid (\d+)/.exec(stderr)?.[1]);
      expect(workspace).toBeDefined();
      expect(isProcessAlive(postmaster)).toBe(true);
      const started = processesMentioning(workspace!);
      expect(started.length).toBeGreaterThanOrEqual(2); // the primary's postmaster and the watchdog

      child.kill('SIGKILL');
      await exited;

      expect(await waitUntil(() => !isProcessAlive(postmaster), 10_000)).toBe(true);
      expect(await waitUntil(() => processesMentioning(workspace!).length === 0, 10_000)).toBe(true);
      // A process whose command line is already gone can still be exiting for a moment.
      expect(await waitUntil(() => started.every((pid) => !isProcessAlive(pid)), 10_000)).toBe(true);
      expect(await waitUntil(() => !existsSync(workspace!), 10_000)).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

describe('rxdr drill / failover flags', () => {
  test.each([
    [['drill'], /rxdr drill --local. runs one on this machine; .rxdr drill start\|list\|show --env <name>./],
    [
      ['drill', '--local', '--prescriptions', 'many'],
      /--prescriptions must be a whole number from 1 to 10000000, got 'many'/,
    ],
    [['drill', '--local', '--prescriptions', '0'], /--prescriptions must be a whole number/],
    [['drill', '--local', '--archive-timeout', '0'], /--archive-timeout must be a whole number from 1 to 60, got '0'/],
    [['drill', '--local', '--no-such-flag'], /unknown option '--no-such-flag'/],
    [
      ['failover'],
      /rxdr failover --local. rehearses on this machine; .rxdr failover plan\|start\|approve\|abort\|status --env <name>./,
    ],
    [['failover', '--local', '--prescriptions', '-3'], /--prescriptions must be a whole number/],
    [['report', '--bogus'], /unknown option '--bogus'/],
  ])('rxdr %j exits 2 with a clear message', async (args, message) => {
    const result = await rxdr(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});
