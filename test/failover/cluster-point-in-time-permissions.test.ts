import { TEST_DATABASES, runbookStack } from './runbook-stack';

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** The runbooks of a recovery-region stack protecting one Aurora cluster (`reports`, no global database). */
const { template } = runbookStack({
  databases: [
    ...TEST_DATABASES,
    {
      name: 'reports',
      tier: 3,
      rtoMinutes: 1440,
      rpoMinutes: 1440,
      defaultStrategy: 'latest-backup',
      primaryInstanceIdentifier: 'reports-prod',
      secretArn: 'arn:aws:secretsmanager:us-west-2:111111111111:secret:reports',
      route53: { hostedZoneId: 'Z1', recordName: 'reports.db.rx.internal' },
      cluster: { primaryClusterIdentifier: 'reports-prod' },
    },
  ],
});

function statement(sid: string): Statement {
  const found = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).flatMap((p) =>
    (p.Properties.PolicyDocument.Statement as Statement[]).filter((s) => s.Sid === sid),
  );
  expect(found).toHaveLength(1);
  return found[0]!;
}
const arn = (type: string, id: string) => `arn:aws:rds:us-east-1:111111111111:${type}:${id}`;
const text = (value: unknown) => JSON.stringify(value);

describe('cluster point-in-time failover: IAM of the failover function', () => {
  test('the restore reads only the protected source cluster (primary region)', () => {
    const read = statement('PointInTimeRestoreReadsTheSourceCluster');
    expect(read.Action).toBe('rds:RestoreDBClusterToPointInTime');
    expect(read.Resource).toEqual([arn('cluster-pg', '*'), arn('cluster', 'reports-prod'), arn('subgrp', '*')]);
  });

  test('it creates only the restored cluster and its instance, and only tagged with the failover execution', () => {
    const create = statement('PointInTimeRestoreCreatesTaggedClusters');
    expect(create.Action).toEqual([
      'rds:AddTagsToResource',
      'rds:CreateDBInstance',
      'rds:RestoreDBClusterToPointInTime',
    ]);
    expect(create.Resource).toEqual([arn('cluster', 'reports-prod-restored'), arn('db', 'reports-prod-restored')]);
    expect(create.Condition).toEqual({ StringLike: { 'aws:RequestTag/rxdr:failover-execution': '*' } });
    // No statement lets the failover create a cluster or instance by wildcard in the primary region.
    const all = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Statement[],
    );
    const wildcardCreates = all.filter(
      (s) =>
        text(s.Action).match(/RestoreDBClusterToPointInTime|CreateDBInstance"/) &&
        text(s.Resource).match(/us-east-1:111111111111:(cluster|db):\*/),
    );
    expect(wildcardCreates).toEqual([]);
  });

  test('it describes the restored cluster and instance it waits for', () => {
    expect(statement('PointInTimeDescribesTheRestore').Resource).toEqual([
      arn('cluster', 'reports-prod-restored'),
      arn('db', 'reports-prod-restored'),
    ]);
  });

  test('nothing is granted when the environment protects no cluster', () => {
    const plain = runbookStack().template;
    const sids = Object.values(plain.findResources('AWS::IAM::ManagedPolicy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Statement[]).map((s) => s.Sid),
    );
    expect(sids.filter((sid) => sid?.startsWith('PointInTime'))).toEqual([]);
  });
});

describe('a cluster’s default strategy must recover a regional outage', () => {
  const cluster = (name: string, defaultStrategy: 'point-in-time' | 'promote-replica' | 'latest-backup') => ({
    name,
    tier: 2 as const,
    rtoMinutes: 240,
    rpoMinutes: 60,
    defaultStrategy,
    primaryInstanceIdentifier: `${name}-prod`,
    secretArn: `arn:aws:secretsmanager:us-west-2:111111111111:secret:${name}`,
    cluster: { primaryClusterIdentifier: `${name}-prod` },
  });

  test('point-in-time and promote-replica are refused as a cluster default, every problem listed and named', () => {
    expect(() =>
      runbookStack({
        databases: [
          ...TEST_DATABASES,
          cluster('inventory', 'point-in-time'),
          cluster('pdmp', 'promote-replica'),
          cluster('reports', 'latest-backup'),
        ],
      }),
    ).toThrow(
      new RegExp(
        'databases\\.inventory\\.defaultStrategy: an Aurora cluster restores to a point in time only in its own ' +
          'region.*got "point-in-time".*databases\\.pdmp\\.defaultStrategy: an Aurora cluster fails over with ' +
          'global-failover, global-switchover, detach-and-promote, latest-backup, got "promote-replica"',
      ),
    );
  });

  test('an instance may still default to point-in-time (its automated backups are replicated)', () => {
    expect(TEST_DATABASES.some((d) => d.defaultStrategy === 'point-in-time')).toBe(true);
    expect(() => runbookStack({ databases: [...TEST_DATABASES, cluster('reports', 'latest-backup')] })).not.toThrow();
  });
});
