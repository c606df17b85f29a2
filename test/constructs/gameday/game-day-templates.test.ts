import { Match, Template } from 'aws-cdk-lib/assertions';
import { EnvironmentConfig } from '../../../lib/config/environment-config';
import { GAME_DAY_SCENARIOS, gameDayScenarios } from '../../../lib/config/gameday';
import { environment, shippedEnvironment } from '../../helpers/config';
import { complianceFindings } from '../../helpers/compliance';
import { policyStatements, wildcardActionStatements } from '../../helpers/iam';
import { SynthesizedStage, synthStage } from '../../helpers/synth';
import { isCluster, isInstance } from '../../../lib/config/database-kind';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown };
type Target = { ResourceType: string; ResourceTags?: Record<string, string>; ResourceArns?: unknown };
type Action = { ActionId: string; Parameters?: Record<string, string>; Targets?: Record<string, string> };

const APPROVER = 'arn:aws:iam::333333333333:user/second-approver';

/** A production environment that asks for game days explicitly, with every scenario's resources. */
const productionWithGameDays = () =>
  environment(
    {
      production: true,
      isolatedBackup: { mode: 'air-gapped' },
      databases: [
        { name: 'dispensing', tier: 'critical', mode: 'create' },
        { name: 'inventory', tier: 'important', mode: 'adopt', instanceIdentifier: 'pharmacy-inventory-prod' },
        { name: 'adjudication', tier: 'critical', mode: 'create', engine: 'aurora-postgresql' },
        {
          name: 'claims',
          tier: 'important',
          mode: 'adopt',
          engine: 'aurora-postgresql',
          clusterIdentifier: 'pharmacy-claims',
        },
      ],
      gameDays: {
        enabled: true,
        allowProduction: true,
        secondApprover: APPROVER,
        applicationSubnetIds: ['subnet-0abc12340001'],
        durationMinutes: 20,
      },
    },
    'prodgd',
  );
/** No read replica anywhere, so the primary can be stopped; the cluster fails over (Aurora cannot be stopped by FIS). */
const stoppable = () =>
  environment(
    {
      databases: [
        { name: 'inventory', tier: 'important', mode: 'create' },
        { name: 'orders', tier: 'important', mode: 'create', engine: 'aurora-postgresql', readers: 1 },
      ],
      gameDays: { instanceFailure: 'stop', durationMinutes: 15 },
    },
    'qa',
  );

const cases: [string, () => EnvironmentConfig][] = [
  ['staging (shipped)', () => shippedEnvironment('staging')],
  ['dev (shipped)', () => shippedEnvironment('dev')],
  ['production, explicitly enabled with a second approver', productionWithGameDays],
  ['an environment whose primaries are stopped', stoppable],
];

const stages = new Map<string, SynthesizedStage>();
const stageOf = (name: string, build: () => EnvironmentConfig) => {
  if (!stages.has(name)) stages.set(name, synthStage(build()));
  return stages.get(name)!;
};

function templatesIn(template: Template): [string, Resource][] {
  return Object.entries(template.findResources('AWS::FIS::ExperimentTemplate') as Record<string, Resource>);
}
function experiments(stage: SynthesizedStage) {
  return [
    ...templatesIn(stage.primary).map(([id, r]) => ({ id, r, template: stage.primary })),
    ...templatesIn(stage.recovery).map(([id, r]) => ({ id, r, template: stage.recovery })),
  ];
}
/** The template of one scenario in a stage; fails the test if there is none. */
function experimentFor(stage: SynthesizedStage, scenario: string): Resource {
  const found = experiments(stage).find(({ r }) => scenarioOf(r) === scenario);
  if (!found) throw new Error(`no ${scenario} template`);
  return found.r;
}
const scenarioOf = (r: Resource) => (r.Properties.Tags as Record<string, string>)['rxdr:gameday-scenario'];
const roleIdOf = (r: Resource) => ((r.Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'] ?? [])[0];

describe.each(cases)('game-day templates: %s', (name, build) => {
  const config = build();
  const stage = () => stageOf(name, build);

  test('one template per enabled scenario, found by its scenario tag', () => {
    const found = experiments(stage()).map(({ r }) => scenarioOf(r));
    expect(found.sort()).toEqual([...gameDayScenarios(config)].sort());
    expect(found.length).toBeGreaterThan(0);
  });

  test('every target is selected by the environment tag and the game-day tag, never by ARN or untagged', () => {
    for (const { r } of experiments(stage())) {
      for (const target of Object.values(r.Properties.Targets as Record<string, Target>)) {
        expect(target.ResourceArns).toBeUndefined();
        expect(target.ResourceTags).toEqual({ 'rxdr:env': config.name, 'rxdr:gameday': 'target' });
      }
    }
  });

  test('every template stops on the out-of-scope alarm of its own stack, and has a duration limit', () => {
    for (const { r, template } of experiments(stage())) {
      const alarms = Object.keys(template.findResources('AWS::CloudWatch::Alarm')).filter((id) =>
        id.includes('OutOfScope'),
      );
      expect(alarms).toHaveLength(1);
      expect(r.Properties.StopConditions).toEqual([
        { Source: 'aws:cloudwatch:alarm', Value: { 'Fn::GetAtt': [alarms[0], 'Arn'] } },
      ]);
      for (const action of Object.values(r.Properties.Actions as Record<string, Action>)) {
        const bound =
          action.Parameters?.duration ??
          action.Parameters?.maxDuration ??
          action.Parameters?.startInstancesAfterDuration;
        // A reboot or a cluster failover ends by itself when the database is available again; all else is bounded.
        if (['aws:rds:reboot-db-instances', 'aws:rds:failover-db-cluster'].includes(action.ActionId)) continue;
        expect(bound).toBe(`PT${config.gameDays.durationMinutes}M`);
      }
    }
  });

  test('each FIS role is its own, trusts FIS for this account only, and has no wildcard action', () => {
    const roles = experiments(stage()).map(({ r }) => roleIdOf(r));
    expect(new Set(roles).size).toBe(roles.length);
    for (const { r, template } of experiments(stage())) {
      const role = template.toJSON().Resources[roleIdOf(r)!] as Resource;
      expect(role.Properties.AssumeRolePolicyDocument).toMatchObject({
        Statement: [
          {
            Principal: { Service: 'fis.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': config.account } },
          },
        ],
      });
    }
    expect(wildcardActionStatements(stage().primary).filter(({ resource }) => resource.includes('GameDays'))).toEqual(
      [],
    );
    expect(wildcardActionStatements(stage().recovery).filter(({ resource }) => resource.includes('GameDays'))).toEqual(
      [],
    );
  });

  test('the roles change only databases and subnets that carry the environment and game-day tags', () => {
    const mutating = ['rds:RebootDBInstance', 'rds:StopDBInstance', 'rds:StartDBInstance', 'rds:FailoverDBCluster'];
    const statements = [...policyStatements(stage().primary), ...policyStatements(stage().recovery)]
      .filter(({ resource }) => resource.includes('GameDays'))
      .map(({ statement }) => statement);
    const touching = statements.filter((s) =>
      [s.Action].flat().some((a) => mutating.includes(a as string) || a === 'ec2:ReplaceNetworkAclAssociation'),
    );
    for (const s of touching) {
      const isAclSide = JSON.stringify(s.Resource).includes('network-acl');
      if (isAclSide) continue;
      expect(s.Condition).toEqual({
        StringEquals: { 'aws:ResourceTag/rxdr:env': config.name, 'aws:ResourceTag/rxdr:gameday': 'target' },
      });
    }
    if (gameDayScenarios(config).includes('primary-instance-failure')) expect(touching.length).toBeGreaterThan(0);
  });

  test('the out-of-scope rule watches the game-day roles and every database but the environment’s own', () => {
    const rules = stage().primary.findResources('AWS::Events::Rule') as Record<string, Resource>;
    const rule = Object.entries(rules).find(([id]) => id.includes('OutOfScope'))![1];
    const pattern = JSON.stringify(rule.Properties.EventPattern);
    for (const { r, template } of experiments(stage()))
      if (template === stage().primary) expect(pattern).toContain(roleIdOf(r));
    const instances = config.databases
      .filter(isInstance)
      .map((db) => (db.mode === 'create' ? `rxdr-${config.name}-${db.name}` : db.instanceIdentifier));
    const clusters = config.databases
      .filter(isCluster)
      .map((db) => (db.mode === 'create' ? `rxdr-${config.name}-${db.name}` : db.clusterIdentifier));
    const rdsCalls = (rule.Properties.EventPattern as { detail: { $or: { requestParameters: object }[] } }).detail.$or
      .map((o) => o.requestParameters)
      .filter((p) => 'dBInstanceIdentifier' in p || 'dBClusterIdentifier' in p);
    expect(rdsCalls).toEqual([
      { dBInstanceIdentifier: [{ 'anything-but': instances }] },
      { dBClusterIdentifier: clusters.length > 0 ? [{ 'anything-but': clusters }] : [{ exists: true }] },
    ]);
  });

  test('a cluster fails over only where it is configured: tag, identifier filter and IAM name the same clusters', () => {
    const clusters = config.databases
      .filter(isCluster)
      .map((db) => (db.mode === 'create' ? `rxdr-${config.name}-${db.name}` : db.clusterIdentifier));
    if (!gameDayScenarios(config).includes('primary-instance-failure')) return;
    const r = experimentFor(stage(), 'primary-instance-failure');
    const actions = r.Properties.Actions as Record<string, Action>;
    const targets = r.Properties.Targets as Record<string, Target & { Filters?: unknown }>;
    if (clusters.length === 0) {
      expect(Object.values(actions).map((a) => a.ActionId)).not.toContain('aws:rds:failover-db-cluster');
      return;
    }
    expect(actions.FailOverClusters).toEqual({
      ActionId: 'aws:rds:failover-db-cluster',
      Targets: { Clusters: 'PrimaryClusters' },
    });
    expect(targets.PrimaryClusters).toEqual({
      ResourceType: 'aws:rds:cluster',
      SelectionMode: 'ALL',
      ResourceTags: { 'rxdr:env': config.name, 'rxdr:gameday': 'target' },
      Filters: [{ Path: 'DBClusterIdentifier', Values: clusters }],
    });
    const failover = policyStatements(stage().primary)
      .filter(({ resource }) => resource.includes('GameDays'))
      .map(({ statement }) => statement)
      .filter((st) => [st.Action].flat().includes('rds:FailoverDBCluster'));
    expect(failover).toHaveLength(1);
    const named = [failover[0]!.Resource].flat().map((arn) => JSON.stringify(arn).replace(/^.*:cluster:|"$/g, ''));
    expect(named.sort()).toEqual([...clusters].sort());
  });

  test("only the cluster resource carries the game-day tag, never a cluster's instances", () => {
    const clusters = stage().primary.findResources('AWS::RDS::DBCluster') as Record<string, Resource>;
    const tagged = (r: Resource) =>
      ((r.Properties.Tags ?? []) as { Key: string; Value: string }[]).some(
        (t) => t.Key === 'rxdr:gameday' && t.Value === 'target',
      );
    const created = config.databases.filter(isCluster).filter((db) => db.mode === 'create');
    expect(Object.values(clusters).filter(tagged)).toHaveLength(
      gameDayScenarios(config).length > 0 ? created.length : 0,
    );
    const instances = stage().primary.findResources('AWS::RDS::DBInstance') as Record<string, Resource>;
    const clusterInstances = Object.values(instances).filter((r) => r.Properties.DBClusterIdentifier !== undefined);
    if (created.length > 0) expect(clusterInstances.length).toBeGreaterThan(0);
    expect(clusterInstances.filter(tagged)).toEqual([]);
  });

  test('the compliance packs find nothing', () => {
    expect(complianceFindings(stage().app)).toEqual([]);
  });
});

describe('game days by scenario', () => {
  test('primary instance failure reboots with forced failover on Multi-AZ instances, plainly on single-AZ ones, and fails clusters over', () => {
    const r = experimentFor(
      stageOf('staging (shipped)', () => shippedEnvironment('staging')),
      'primary-instance-failure',
    );
    expect(r.Properties.Actions).toEqual({
      FailOverMultiAz: {
        ActionId: 'aws:rds:reboot-db-instances',
        Parameters: { forceFailover: 'true' },
        Targets: { DBInstances: 'MultiAzPrimaries' },
      },
      RebootSingleAz: {
        ActionId: 'aws:rds:reboot-db-instances',
        Parameters: { forceFailover: 'false' },
        Targets: { DBInstances: 'SingleAzPrimaries' },
      },
      FailOverClusters: { ActionId: 'aws:rds:failover-db-cluster', Targets: { Clusters: 'PrimaryClusters' } },
    });
    expect(r.Properties.Targets).toMatchObject({
      PrimaryClusters: { Filters: [{ Path: 'DBClusterIdentifier', Values: ['rxdr-staging-adjudication'] }] },
      MultiAzPrimaries: { Filters: [{ Path: 'MultiAZ', Values: ['true'] }] },
      SingleAzPrimaries: { Filters: [{ Path: 'MultiAZ', Values: ['false'] }] },
    });
  });

  test('a stop scenario stops the primaries and lets FIS start them after the duration', () => {
    const r = experimentFor(
      stageOf('an environment whose primaries are stopped', stoppable),
      'primary-instance-failure',
    );
    const actions = Object.values(r.Properties.Actions as Record<string, Action>);
    expect(actions.map((a) => a.ActionId)).toEqual([
      'aws:rds:stop-db-instances',
      'aws:rds:stop-db-instances',
      'aws:rds:failover-db-cluster',
    ]);
  });

  test('the reference instances carry the game-day tag that the templates select by', () => {
    const stage = stageOf('staging (shipped)', () => shippedEnvironment('staging'));
    stage.primary.hasResourceProperties('AWS::RDS::DBInstance', {
      Tags: Match.arrayWith([{ Key: 'rxdr:gameday', Value: 'target' }]),
    });
  });

  test('primary region unreachable cuts the configured subnets off the primary database network only', () => {
    const stage = stageOf('staging (shipped)', () => shippedEnvironment('staging'));
    const r = experimentFor(stage, 'primary-region-unreachable');
    const prefixLists = stage.primary.findResources('AWS::EC2::PrefixList') as Record<string, Resource>;
    const [prefixId, prefixList] = Object.entries(prefixLists)[0]!;
    expect(prefixList.Properties.Entries).toEqual([{ Cidr: '10.80.0.0/16', Description: 'primary database network' }]);
    expect(r.Properties.Actions).toEqual({
      CutPrimaryDatabaseNetwork: {
        ActionId: 'aws:network:disrupt-connectivity',
        Parameters: {
          duration: 'PT30M',
          scope: 'prefix-list',
          prefixListIdentifier: { 'Fn::GetAtt': [prefixId, 'PrefixListId'] },
        },
        Targets: { Subnets: 'ApplicationSubnets' },
      },
    });
    expect(r.Properties.Targets).toMatchObject({
      ApplicationSubnets: {
        ResourceType: 'aws:ec2:subnet',
        Filters: [{ Path: 'SubnetId', Values: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'] }],
      },
    });
  });

  test('the deletion attempt may only name canary recovery points and rewrite the vault policy with itself', () => {
    const stage = stageOf('production, explicitly enabled with a second approver', productionWithGameDays);
    const statements = policyStatements(stage.recovery)
      .filter(({ resource }) => resource.includes('DeletionAttemptRole'))
      .map(({ statement }) => statement);
    const deleting = statements.find((s) => [s.Action].flat().includes('backup:DeleteRecoveryPoint'))!;
    expect(JSON.stringify(deleting.Resource)).toMatch(/recovery-point:rxdr-gameday-canary-\*/);
    expect(JSON.stringify(deleting.Resource)).not.toMatch(/recovery-point:\*"/);
    const document = Object.values(stage.recovery.findResources('AWS::SSM::Document') as Record<string, Resource>).find(
      (d) => d.Properties.Name === 'rxdr-prodgd-GameDay-DeletionAttempt',
    )!;
    const script = JSON.stringify(document.Properties.Content);
    expect(script).toContain('get_backup_vault_access_policy');
    expect(script).toContain("'DENIED' if code == 'AccessDeniedException'");
  });

  test('the isolated-copy scenario declares the recovery vault lost and withdraws the declaration', () => {
    const stage = stageOf('production, explicitly enabled with a second approver', productionWithGameDays);
    const document = Object.values(stage.recovery.findResources('AWS::SSM::Document') as Record<string, Resource>).find(
      (d) => d.Properties.Name === 'rxdr-prodgd-GameDay-DeclareVaultLost',
    )!;
    const steps = (document.Properties.Content as { mainSteps: { name: string; inputs: Record<string, unknown> }[] })
      .mainSteps;
    expect(steps.map((s) => s.name)).toEqual(['Declare', 'Hold', 'Withdraw']);
    expect(steps[0]!.inputs.Name).toBe('/rxdr/prodgd/gameday/vault-declared-lost');
    expect(steps[2]!.inputs).toMatchObject({
      Api: 'DeleteParameter',
      Name: '/rxdr/prodgd/gameday/vault-declared-lost',
    });
  });

  test('production as shipped has no game-day template: game days are off unless enabled explicitly', () => {
    const stage = stageOf('prod (shipped)', () => shippedEnvironment('prod'));
    expect(experiments(stage)).toEqual([]);
    expect(GAME_DAY_SCENARIOS.length).toBe(4);
  });
});
