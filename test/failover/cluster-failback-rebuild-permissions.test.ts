import { TEST_DATABASES, runbookStack } from './runbook-stack';

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** The runbooks of a recovery-region stack protecting one Aurora cluster on a global database (`claims`). */
const { template } = runbookStack({
  databases: [
    ...TEST_DATABASES,
    {
      name: 'claims',
      tier: 1,
      rtoMinutes: 60,
      rpoMinutes: 5,
      defaultStrategy: 'global-failover',
      primaryInstanceIdentifier: 'claims-prod',
      secretArn: 'arn:aws:secretsmanager:us-west-2:111111111111:secret:claims',
      route53: { hostedZoneId: 'Z1', recordName: 'claims.db.rx.internal' },
      cluster: {
        primaryClusterIdentifier: 'claims-prod',
        globalClusterIdentifier: 'claims-global',
        secondaryClusterIdentifier: 'claims-prod-dr',
      },
    },
  ],
});

const statements = (): Statement[] =>
  Object.values(template.findResources('AWS::IAM::ManagedPolicy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement as Statement[],
  );
function statement(sid: string): Statement {
  const found = statements().filter((s) => s.Sid === sid);
  expect(found).toHaveLength(1);
  return found[0]!;
}
const primary = (type: string, id: string) => `arn:aws:rds:us-east-1:111111111111:${type}:${id}`;
const global = (id: string) => `arn:aws:rds::111111111111:global-cluster:${id}`;
const text = (value: unknown) => JSON.stringify(value);

describe('failback of a detached secondary: IAM of the failback function', () => {
  test('it creates only the named global database, from the named detached secondary', () => {
    const create = statement('RebuildGlobalDatabaseFromDetachedSecondary');
    expect(create.Action).toBe('rds:CreateGlobalCluster');
    expect(create.Resource).toEqual([
      global('claims-global-fb'),
      'arn:aws:rds:us-west-2:111111111111:cluster:claims-prod-dr',
    ]);
  });

  test('the new secondary and its instance are named and created only with the execution tag', () => {
    const create = statement('RebuildCreatesTaggedSecondary');
    expect(create.Action).toEqual(['rds:AddTagsToResource', 'rds:CreateDBCluster', 'rds:CreateDBInstance']);
    expect(create.Resource).toEqual([
      global('claims-global-fb'),
      primary('cluster', 'claims-prod-fb'),
      primary('db', 'claims-prod-fb'),
    ]);
    expect(create.Condition).toEqual({ StringLike: { 'aws:RequestTag/rxdr:failover-execution': '*' } });
    // No statement lets any runbook create a cluster or an instance by wildcard, or a global database at all else.
    const wildcardCreates = statements().filter(
      (s) =>
        text(s.Action).match(/CreateDBCluster"|CreateDBInstance"|CreateGlobalCluster/) &&
        text(s.Resource).match(/:(cluster|db|global-cluster):\*/),
    );
    expect(wildcardCreates).toEqual([]);
  });

  test('it switches only the new global database, only to the new secondary; the old primary is never deleted', () => {
    const switchover = statement('RebuildSwitchesOverToTheNewSecondary');
    expect(switchover.Action).toBe('rds:SwitchoverGlobalCluster');
    expect(switchover.Resource).toEqual([global('claims-global-fb'), primary('cluster', 'claims-prod-fb')]);
    const deletes = statements().filter((s) =>
      text(s.Action).match(/rds:(DeleteDBCluster|DeleteGlobalCluster|ModifyDBCluster|ModifyGlobalCluster)/),
    );
    expect(text(deletes)).not.toMatch(/cluster:claims-prod"|global-cluster:claims-global"/);
  });
});
