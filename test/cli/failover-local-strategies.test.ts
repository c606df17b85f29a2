import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { parseEvidence } from '../../engines/evidence';
import { rxdr } from '../helpers/cli';

const LOCAL = 'promote-replica, point-in-time, global-failover, global-switchover, detach-and-promote';

/** How many audit events the server holds that were written at `at` (the write load stamps each unit). */
async function auditEventsAt(url: string, at: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pharmacy.audit_event WHERE occurred_at = $1',
      [at],
    );
    return rows[0]!.n;
  } finally {
    await client.end();
  }
}

/** `rxdr failover --local <flags> --prescriptions 200 --json --evidence-dir <dir>`: its output and its evidence. */
async function localFailover(dir: string, ...flags: string[]) {
  const result = await rxdr('failover', '--local', ...flags, '--prescriptions', '200', '--json', '--evidence-dir', dir);
  const evidenceOf = () => parseEvidence(JSON.parse(result.stdout));
  return { result, evidenceOf };
}

/** `rxdr failover --local --strategy <name>` as a user runs it: the cluster strategies on real PostgreSQL. */
describe('rxdr failover --local --strategy', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rxdr-cli-strategy-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('GIVEN --strategy global-switchover WHEN it runs under write load THEN writes freeze, the standby catches up with the exact WAL position, is promoted, and the last write acknowledged before the freeze is on the new primary (RPO 0 in evidence)', async () => {
    const { result, evidenceOf } = await localFailover(dir, '--strategy', 'global-switchover', '--keep');
    const workspace = /kept (\/\S*rxdr-local-\w+)/.exec(result.stderr)?.[1];
    const kept = /^kept: (\S+) \(data (\S+)\); stop it with: (.+)$/m.exec(result.stderr);
    try {
      expect(result.stderr).not.toMatch(/FAILED/);
      expect(result.code).toBe(0);
      // Progress: no fault is injected; the engine's phases run, the freeze and catch-up among them.
      expect(result.stderr).toMatch(/^rxdr failover --local --strategy global-switchover: 200 prescriptions$/m);
      expect(result.stderr).not.toMatch(/^ {2}disaster /m);
      expect(result.stderr).toMatch(/^ {2}failover:freeze .* at WAL position \d+\/[0-9A-F]+$/m);

      const evidence = evidenceOf();
      expect(evidence).toMatchObject({
        kind: 'failover',
        provider: 'local',
        result: 'passed',
        achievedRpoSeconds: 0,
        source: { kind: 'replica', id: 'rxdr_standby' },
        runbook: { strategy: 'global-switchover', status: 'completed', reason: 'local rehearsal: planned switchover' },
      });
      expect(evidence.checks.find((c) => c.id === 'failover.no-data-loss')?.status).toBe('passed');
      const steps = evidence.runbook!.steps;
      const freeze = steps.find((s) => s.name === 'freeze')!.detail!;
      const [, lastWrite, frozenAt] = /the newest at (\S+); the primary is read-only .* at WAL position (\S+)$/.exec(
        freeze,
      )!;
      // The standby was promoted only after replaying the very position the primary froze at.
      expect(steps.find((s) => s.name === 'recover')!.detail).toMatch(
        new RegExp(`^rxdr_standby replayed (\\S+) \\(the primary froze at ${frozenAt}\\), was promoted`),
      );
      // The outage is measured from the freeze.
      expect(evidence.timestamps.disaster).toBe(steps.find((s) => s.name === 'freeze')!.startedAt);

      // Independently of the validator: the last write before the freeze is on the kept new primary.
      expect(kept).not.toBeNull();
      expect(await auditEventsAt(kept![1]!, lastWrite!)).toBeGreaterThan(0);
    } finally {
      if (kept) await promisify(execFile)('sh', ['-c', kept[3]!]).catch(() => undefined);
      if (workspace && existsSync(workspace)) await rm(workspace, { recursive: true, force: true });
    }
  });

  // Locally both are the promotion of the streaming standby (the global database's secondary) after the kill.
  test.each(['global-failover', 'detach-and-promote'])(
    'GIVEN --strategy %s WHEN the primary is killed under load THEN the standby (the secondary) is promoted and the data loss is measured and within the RPO target',
    async (strategy) => {
      const { result, evidenceOf } = await localFailover(dir, '--strategy', strategy);
      expect(result.stderr).not.toMatch(/FAILED/);
      expect(result.code).toBe(0);
      expect(result.stderr).toMatch(/^ {2}disaster .* primary processes down/m);
      expect(result.stderr).not.toMatch(/^ {2}failover:freeze .*WAL position/m);
      const evidence = evidenceOf();
      expect(evidence).toMatchObject({
        result: 'passed',
        source: { kind: 'replica' },
        runbook: { strategy, status: 'completed' },
        cleanup: { status: 'deleted' },
      });
      // Unplanned: some loss is allowed, and it is measured (from the data) and bounded by the target.
      expect(evidence.achievedRpoSeconds).toBeGreaterThanOrEqual(0);
      expect(evidence.achievedRpoSeconds).toBeLessThanOrEqual(evidence.targets.rpoSeconds);
      expect(evidence.checks.find((c) => c.id === 'drill.rpo-target')?.status).toBe('passed');
      expect(evidence.checks.some((c) => c.id === 'failover.no-data-loss')).toBe(false);
    },
  );

  test.each([
    ['pray', /unknown strategy "pray": on this machine choose one of /],
    ['latest-backup', /latest-backup does not apply to the local database .*: on this machine choose one of /],
  ])(
    'GIVEN --strategy %s THEN it exits 2 listing the strategies this machine rehearses, before starting anything',
    async (strategy, message) => {
      const result = await rxdr('failover', '--local', '--strategy', strategy, '--evidence-dir', dir);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toContain(LOCAL);
      expect(result.stderr).not.toMatch(/^ {2}primary /m);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    },
  );

  test('GIVEN --clients-use-global-writer-endpoint WHEN a cluster switches over THEN no pointer is changed, the global writer endpoint moved to the new writer, and verify proved it', async () => {
    const { result, evidenceOf } = await localFailover(
      dir,
      '--engine',
      'aurora-postgresql',
      '--strategy',
      'global-switchover',
      '--clients-use-global-writer-endpoint',
    );
    expect(result.stderr).not.toMatch(/FAILED/);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^ {2}failover:repoint +[\d.]+ s {2}pharmacy-global\.global-writer\.local → /m);
    const evidence = evidenceOf();
    expect(evidence).toMatchObject({
      result: 'passed',
      achievedRpoSeconds: 0,
      target: { engine: 'aurora-postgresql' },
      runbook: { strategy: 'global-switchover', status: 'completed' },
      cleanup: { status: 'deleted' },
    });
    const [moved, pointer] = evidence.runbook!.repointed!;
    expect(moved).toMatchObject({ kind: 'global-writer-endpoint', name: 'pharmacy-global.global-writer.local' });
    // The endpoint file already named the global writer endpoint: left as it was.
    expect(pointer).toMatchObject({ kind: 'endpoint-file', value: 'pharmacy-global.global-writer.local:5432' });
    const verify = /^ {2}failover:verify .*$/m.exec(result.stderr)?.[0];
    expect(verify).toMatch(/✓ global-writer-endpoint: \S+ leads to rxdr_standby at 127\.0\.0\.1:\d+/);
    expect(verify).toMatch(/✓ clients-write: /);
  });

  test('GIVEN --engine aurora-postgresql --strategy point-in-time THEN the cluster is restored beside the primary as pharmacy-restored, its instance added, validated, and both removed', async () => {
    const { result, evidenceOf } = await localFailover(
      dir,
      '--engine',
      'aurora-postgresql',
      '--strategy',
      'point-in-time',
    );
    expect(result.stderr).not.toMatch(/FAILED/);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^ {2}failover:wait-available .* pharmacy-restored accepts writes$/m);
    const evidence = evidenceOf();
    expect(evidence).toMatchObject({
      result: 'passed',
      source: { kind: 'point-in-time' },
      target: { identifier: 'pharmacy-restored', engine: 'aurora-postgresql' },
      runbook: { strategy: 'point-in-time', status: 'completed' },
      cleanup: { status: 'deleted' },
    });
    expect(evidence.runbook!.steps.find((s) => s.name === 'recover')!.detail).toMatch(/pharmacy-restored/);
    const workspace = /^ {2}primary .* in (\/\S*rxdr-local-\w+)$/m.exec(result.stderr)?.[1];
    expect(workspace).toBeDefined();
    expect(existsSync(workspace!)).toBe(false);
  });

  test.each([
    [
      ['--engine', 'postgres', '--strategy', 'global-failover'],
      /fails over an Aurora global database: with --engine postgres/,
    ],
    [['--engine', 'aurora-postgresql', '--strategy', 'promote-replica'], /an Aurora cluster does not have: choose /],
    [['--engine', 'postgres', '--clients-use-global-writer-endpoint'], /is for an Aurora cluster in a global database/],
    [['--engine', 'mssql'], /--engine 'mssql' is not an engine the local failover rehearses/],
  ])('GIVEN %j THEN it exits 2 saying what to change, before starting anything', async (flags, message) => {
    const result = await rxdr('failover', '--local', ...flags, '--evidence-dir', dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/^ {2}primary /m);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  test('GIVEN `failover plan --strategy latest-backup` THEN the AWS runbook still takes every strategy (the local check is only for --local)', async () => {
    const result = await rxdr('failover', 'plan', '--env', 'prdo', '--database', 'x', '--strategy', 'latest-backup');
    expect(result.code).toBe(2);
    // Parsing accepted the strategy: what stops the command is the unknown environment.
    expect(result.stderr).toMatch(/unknown environment "prdo"/);
    expect(result.stderr).not.toMatch(/does not apply/);
  });
});
