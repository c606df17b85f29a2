import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { rxdr } from '../helpers/cli';
import { FAILBACK_EVIDENCE_STEPS } from '../helpers/failback-steps';
import { tempDir } from '../helpers/temp-dir';
import { answersFile, localGameDay, passedGameDay } from './local-game-day';

const CLUSTER = ['--engine', 'aurora-postgresql'];
const answers = (strategy: string) => ({ preflight: 'yes', strategy, approval: 'approve', verify: 'yes' });

/** `rxdr gameday --local --engine aurora-postgresql` as a user runs it: a cluster's game day on real PostgreSQL. */
describe('rxdr gameday --local --engine aurora-postgresql', () => {
  test('GIVEN clients on the global writer endpoint WHEN the primary is killed and the operator fails the global database over THEN the cluster fails over, fails back to the primary cluster, the endpoint followed the writer both ways, and the baseline holds', async () => {
    const { result } = await localGameDay('primary-instance-failure', answers('global-failover'), {
      prescriptions: 100,
      extra: [...CLUSTER, '--clients-use-global-writer-endpoint'],
    });
    expect(result.stderr).toMatch(
      /^rxdr gameday --local --engine aurora-postgresql --clients-use-global-writer-endpoint: scenario primary-instance-failure/m,
    );
    expect(result.stderr).toMatch(
      /^Strategies of an Aurora cluster: global-failover .*Preflight planned global-failover\.$/m,
    );
    const doc = passedGameDay(result);
    expect(doc.gameDay.baseline).toMatchObject({ how: 'failback', problems: [] });
    expect(doc.gameDay.runbookEvidence).toHaveLength(2);
    const [failover, failback] = doc.gameDay.runbookEvidence.map((file: string) =>
      JSON.parse(readFileSync(file, 'utf8')),
    );
    const cluster = { engine: 'aurora-postgresql', details: { resource: 'aurora-cluster' } };

    expect(failover).toMatchObject({
      result: 'passed',
      target: { identifier: 'rxdr_standby', ...cluster },
      runbook: { operation: 'failover', strategy: 'global-failover', status: 'completed' },
    });
    expect(failover.runbook.repointed[0]).toMatchObject({ kind: 'global-writer-endpoint' });

    // The failback: the same engine's steps; the switchover back moved the endpoint to the primary cluster,
    // now on the failback server, and verify saw it there and a client write through it.
    expect(failback).toMatchObject({
      result: 'passed',
      achievedRpoSeconds: 0,
      target: { identifier: 'rxdr_failback', ...cluster },
      runbook: { operation: 'failback', status: 'completed' },
    });
    expect(failback.runbook.steps.map((s: { name: string }) => s.name)).toEqual(FAILBACK_EVIDENCE_STEPS);
    const back = failback.target.endpoint;
    expect(back).not.toBe(failover.target.endpoint);
    expect(failback.runbook.repointed[0]).toEqual({
      kind: 'global-writer-endpoint',
      name: 'pharmacy-global.global-writer.local',
      value: back,
    });
    // The endpoint file still names the global writer endpoint: no pointer was changed.
    expect(failback.runbook.repointed[1]).toMatchObject({ value: 'pharmacy-global.global-writer.local:5432' });
    const checks = Object.fromEntries(
      failback.checks.map((c: { id: string; status: string; message: string }) => [c.id, c]),
    );
    expect(checks['failback.global-writer-endpoint']).toMatchObject({ status: 'passed' });
    expect(checks['failback.global-writer-endpoint'].message).toContain(`leads to rxdr_primary at ${back}`);
    expect(checks['failback.clients-write']).toMatchObject({ status: 'passed' });

    const workspace = /^ {2}primary .* in (\/\S*rxdr-local-\w+)$/m.exec(result.stderr)?.[1];
    expect(workspace).toBeDefined();
    expect(existsSync(workspace!)).toBe(false);
  });

  const INSTANCE_FAILURE = 'primary-instance-failure';
  test.each([
    [
      INSTANCE_FAILURE,
      ['--engine', 'postgres', '--clients-use-global-writer-endpoint'],
      answers('promote-replica'),
      /--clients-use-global-writer-endpoint is for an Aurora cluster in a global database: drop it or pass --engine aurora-postgresql/,
    ],
    [
      INSTANCE_FAILURE,
      CLUSTER,
      answers('promote-replica'),
      /strategy: must be one of global-failover, detach-and-promote, point-in-time, the strategies that answer primary-instance-failure on an Aurora cluster/,
    ],
    [INSTANCE_FAILURE, CLUSTER, answers('global-switchover'), /a switchover is planned: it needs the primary/],
    [
      'primary-region-unreachable',
      CLUSTER,
      answers('point-in-time'),
      /strategy: must be one of global-failover, detach-and-promote, .*a point-in-time restore is in the cluster's own region, which is lost/,
    ],
    [
      INSTANCE_FAILURE,
      ['--engine', 'postgres'],
      answers('global-failover'),
      /strategy: must be one of promote-replica, point-in-time, the strategies that answer primary-instance-failure on an instance/,
    ],
    [
      INSTANCE_FAILURE,
      ['--engine', 'mssql'],
      answers('global-failover'),
      /--engine 'mssql' is not an engine the local game day rehearses/,
    ],
  ])(
    'GIVEN --scenario %s %j and the answers %j THEN it exits 2 saying what to change, before starting anything',
    async (scenario, flags, given, message) => {
      const dir = tempDir('rxdr-gameday-');
      const result = await rxdr(
        'gameday',
        '--local',
        '--scenario',
        scenario,
        ...flags,
        '--answers',
        answersFile(dir, given),
        '--evidence-dir',
        path.join(dir, 'ev'),
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/^ {2}primary /m);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    },
  );

  test('GIVEN a recovery-store scenario with --engine aurora-postgresql THEN it exits 2 naming the scenarios a cluster rehearses', async () => {
    const dir = tempDir('rxdr-gameday-');
    const result = await rxdr(
      'gameday',
      '--local',
      '--scenario',
      'isolated-copy-restore',
      ...CLUSTER,
      '--answers',
      answersFile(dir, { source: 'isolated-copy', verify: 'yes' }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /--scenario isolated-copy-restore drills the recovery store of an instance: .* primary-instance-failure or primary-region-unreachable; drop --engine aurora-postgresql/,
    );
  });
});
