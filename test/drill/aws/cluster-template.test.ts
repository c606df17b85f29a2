import { Template } from 'aws-cdk-lib/assertions';
import { ACCOUNT, databaseSpec, drillStack } from './drill-stack';

type Statement = { Sid?: string; Effect: string; Action: unknown; Resource: unknown; Condition?: unknown };

function statementsOf(template: Template): Statement[] {
  return [
    ...Object.values(template.findResources('AWS::IAM::Policy')),
    ...Object.values(template.findResources('AWS::IAM::ManagedPolicy')),
  ].flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement,
  );
}

const executions = 'arn:aws:states:us-west-2:111111111111:execution:rxdr-test-drill:*';
const cluster = databaseSpec('adjudication', {
  kind: 'cluster',
  sourceArn: `arn:aws:rds:us-east-1:${ACCOUNT}:cluster:rxdr-test-adjudication`,
});

describe('RestoreDrill template with an Aurora cluster in the fleet: cluster drills fenced by the drill tag', () => {
  const template = Template.fromStack(drillStack({ databases: [databaseSpec('dispensing'), cluster] }).stack);
  const statements = statementsOf(template);
  const allowing = (action: string) =>
    statements.filter((s) => s.Effect === 'Allow' && JSON.stringify(s.Action).includes(action));

  test('rds:DeleteDBCluster only on clusters carrying the drill tag of one of our executions (cleanup ×2, sweeper)', () => {
    const deletes = allowing('rds:DeleteDBCluster');
    expect(deletes).toHaveLength(3);
    for (const s of deletes) expect(s.Condition).toEqual({ StringLike: { 'rds:cluster-tag/rxdr:drill': executions } });
  });

  test('the cluster instance is created only drill-named, with the drill tag, inside drill-named clusters', () => {
    const create = allowing('rds:CreateDBInstance').filter((s) => s.Sid?.startsWith('CreateDrillCluster'));
    const tagged = create.find((s) => s.Sid === 'CreateDrillClusterInstanceOnlyWithDrillTag');
    expect(JSON.stringify(tagged?.Resource)).toContain(':db:rxdr-drill-*');
    expect(tagged?.Condition).toEqual({
      StringLike: { 'aws:RequestTag/rxdr:drill': executions },
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['rxdr:drill'] },
    });
    const inCluster = create.find((s) => s.Sid === 'CreateDrillClusterInstanceInDrillClusters');
    expect(JSON.stringify(inCluster?.Resource)).toContain(':cluster:rxdr-drill-*');
    expect(JSON.stringify(inCluster?.Resource)).not.toContain(':cluster:*"');
  });

  test('AWS Backup restores only drill-named clusters; tagging (the claim) only the drill tag', () => {
    const restore = allowing('rds:RestoreDBClusterFromSnapshot');
    expect(restore).toHaveLength(1);
    expect(JSON.stringify(restore[0]!.Resource)).toContain(':cluster:rxdr-drill-*');
    expect(JSON.stringify(restore[0]!.Resource)).not.toContain(':cluster:*"');
    for (const s of allowing('rds:AddTagsToResource'))
      expect((s.Condition as Record<string, unknown>)['ForAllValues:StringEquals']).toEqual({
        'aws:TagKeys': ['rxdr:drill'],
      });
  });

  test('every drill role denies deleting or modifying a cluster without the drill tag', () => {
    const denies = statements.filter((s) => s.Effect === 'Deny' && s.Sid === 'DenyTouchingClustersWithoutDrillTag');
    expect(denies.length).toBe(13); // 11 step functions (chunk tasks included) + sweeper + the Backup restore role
    for (const deny of denies) {
      expect(deny.Condition).toEqual({ Null: { 'rds:cluster-tag/rxdr:drill': 'true' } });
      expect(deny.Action).toEqual(expect.arrayContaining(['rds:DeleteDBCluster', 'rds:ModifyDBCluster']));
    }
  });

  test('the fleet in the definition says which database is a cluster', () => {
    const definition = JSON.stringify(template.findResources('AWS::StepFunctions::StateMachine'));
    expect(definition).toMatch(/cluster:rxdr-test-adjudication[^}]*kind\W+cluster\W/);
  });

  test('a fleet without clusters gets no cluster create or restore permission', () => {
    const instancesOnly = statementsOf(Template.fromStack(drillStack().stack));
    const allowed = instancesOnly.filter((s) => s.Effect === 'Allow');
    expect(allowed.map((s) => JSON.stringify(s.Action)).join()).not.toContain('RestoreDBClusterFromSnapshot');
    expect(allowed.filter((s) => s.Sid?.startsWith('CreateDrillCluster'))).toEqual([]);
  });

  test('a cluster drilled point in time is refused with the database named', () => {
    expect(() => drillStack({ databases: [{ ...cluster, source: 'point-in-time' }] })).toThrow(
      /adjudication is an Aurora cluster, drilled from the vault's recovery points; got source "point-in-time"/,
    );
  });
});
