import { Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Template } from 'aws-cdk-lib/assertions';
import { DatabaseBackupSelection } from '../../lib/constructs/backup-selection';
import { names } from '../../lib/naming';
import type { EnvironmentConfig } from '../../lib/config/environment-config';
import { ADOPTED_CRITICAL_CLAIMS, environment, shippedConfig } from '../helpers/config';
import { synthStage } from '../helpers/synth';
import { plain } from '../helpers/intrinsics';

describe.each(shippedConfig().environments.map((env) => [env.name, env] as const))(
  'backup selections of %s',
  (_name, config) => {
    const { primary } = synthStage(config);
    const selections = Object.values(primary.findResources('AWS::Backup::BackupSelection')).map(
      (r) => r.Properties.BackupSelection as Record<string, unknown>,
    );
    const tiers = [...new Set(config.databases.map((db) => db.tier))];

    test('one selection per protected tier, named after the environment and the tier', () => {
      expect(selections.map((s) => s.SelectionName).sort()).toEqual(
        tiers.map((tier) => `rxdr-${config.name}-${tier}`).sort(),
      );
    });

    test.each(tiers)(
      'tier %s lists exactly the instance and cluster ARNs of its databases in this environment, and no tag criterion',
      (tier) => {
        const selection = selections.find((s) => s.SelectionName === `rxdr-${config.name}-${tier}`)!;
        const expected = config.databases
          .filter((db) => db.tier === tier)
          .map(
            (db) =>
              `arn:aws:rds:${config.primaryRegion}:${config.account}:${names.primarySource(config, db).resource}:${names.primarySource(config, db).identifier}`,
          );
        expect((selection.Resources as unknown[]).map(plain)).toEqual(expected);
        expect(Object.keys(selection).sort()).toEqual(['IamRoleArn', 'Resources', 'SelectionName']);
      },
    );

    test('every selection is created after the instances and clusters rxdr creates, so the ARNs it names exist', () => {
      const resources = {
        ...primary.findResources('AWS::RDS::DBInstance'),
        ...primary.findResources('AWS::RDS::DBCluster'),
      };
      const created = config.databases
        .filter((db) => db.mode === 'create')
        .map((db) => names.primarySource(config, db).identifier);
      const logicalIds = Object.entries(resources)
        .filter(([, r]) =>
          created.includes((r.Properties.DBInstanceIdentifier ?? r.Properties.DBClusterIdentifier) as string),
        )
        .map(([id]) => id);
      expect(logicalIds).toHaveLength(created.length);
      for (const selection of Object.values(primary.findResources('AWS::Backup::BackupSelection')))
        expect(selection.DependsOn).toEqual(expect.arrayContaining(logicalIds));
    });
  },
);

describe('DatabaseBackupSelection', () => {
  function setup() {
    const stack = new Stack(undefined, 'S', { env: { account: '111111111111', region: 'us-east-1' } });
    const plan = backup.BackupPlan.daily35DayRetention(stack, 'Plan');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('backup.amazonaws.com') });
    /** The critical tier's selection of `databases` in environment `test`. */
    const selectCritical = (databases: EnvironmentConfig['databases']) =>
      new DatabaseBackupSelection(stack, 'Sel', {
        plan,
        role,
        environment: 'test',
        tier: 'critical',
        databases,
        primaryRegion: 'us-east-1',
      });
    return { stack, selectCritical };
  }

  test('refuses databases of another tier, naming them', () => {
    const { selectCritical } = setup();
    const config = environment({
      databases: [{ name: 'claims', tier: 'important', mode: 'adopt', instanceIdentifier: 'pharmacy-claims' }],
    });
    expect(() => selectCritical(config.databases)).toThrow(
      /selection for tier "critical" got databases of other tiers: claims \(important\)/,
    );
  });

  test('refuses an empty tier: a selection without criteria would select every resource', () => {
    const { selectCritical } = setup();
    expect(() => selectCritical([])).toThrow(/got no databases/);
  });

  test('a created instance is selected by the identifier rxdr gives it, an adopted one by its own', () => {
    const { stack, selectCritical } = setup();
    const config = environment({
      databases: [{ name: 'dispensing', tier: 'critical', mode: 'create' }, ADOPTED_CRITICAL_CLAIMS],
    });
    selectCritical(config.databases);
    const [selection] = Object.values(Template.fromStack(stack).findResources('AWS::Backup::BackupSelection'));
    expect((selection!.Properties.BackupSelection.Resources as unknown[]).map(plain)).toEqual([
      'arn:aws:rds:us-east-1:111111111111:db:rxdr-test-dispensing',
      'arn:aws:rds:us-east-1:111111111111:db:pharmacy-claims',
    ]);
  });
});
