import { App, ArnFormat, CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { backupSelectionWithinEnvironment } from '../../lib/compliance/rules/backup-selection-within-environment';
import { databasesSelectedWithCrossRegionCopy } from '../../lib/compliance/rules/databases-selected-with-cross-region-copy';
import { RxdrChecks } from '../../lib/compliance/rxdr-checks';
import { EnvironmentConfig } from '../../lib/config/environment-config';
import { DatabaseBackupSelection } from '../../lib/constructs/backup-selection';
import { ADOPTED_CRITICAL_CLAIMS, environment, shippedEnvironment } from '../helpers/config';
import { synthStage, TEST_DAY, testApp } from '../helpers/synth';

const RULE_CONTEXT = { today: TEST_DAY };

/** A stack that carries an rxdr config the way PrimaryStack does. */
class ConfiguredStack extends Stack {
  constructor(
    readonly config: EnvironmentConfig,
    scope?: App,
  ) {
    super(scope, 'RuleStack', { env: { account: config.account, region: config.primaryRegion } });
  }
}

const config = environment(
  {
    databases: [{ name: 'dispensing', tier: 'critical', mode: 'create' }, ADOPTED_CRITICAL_CLAIMS],
  },
  'prod',
);

let plans = 0;

/** A plan whose every rule copies to the recovery region, as rxdr's plans do. */
function plan(stack: Stack): backup.BackupPlan {
  const id = `Plan${++plans}`;
  const destination = backup.BackupVault.fromBackupVaultArn(
    stack,
    `${id}Dest`,
    stack.formatArn({
      service: 'backup',
      region: 'us-west-2',
      resource: 'backup-vault',
      resourceName: 'dest',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  );
  return new backup.BackupPlan(stack, id, {
    backupPlanRules: [
      new backup.BackupPlanRule({
        ruleName: 'R',
        deleteAfter: Duration.days(35),
        copyActions: [{ destinationBackupVault: destination, deleteAfter: Duration.days(35) }],
      }),
    ],
  });
}

/** An L1 selection: aws-cdk's BackupSelection cannot emit `Conditions`. */
function l1Selection(
  stack: Stack,
  name: string,
  selection: Omit<backup.CfnBackupSelection.BackupSelectionResourceTypeProperty, 'iamRoleArn' | 'selectionName'>,
): backup.CfnBackupSelection {
  return new backup.CfnBackupSelection(stack, name, {
    backupPlanId: plan(stack).backupPlanId,
    backupSelection: { iamRoleArn: 'arn:aws:iam::111111111111:role/backup', selectionName: name, ...selection },
  });
}

/** `Conditions` is untyped in the L1: it goes to the template as written, so it is spelt as CloudFormation spells it. */
const equals = (tags: Record<string, string>) => ({
  StringEquals: Object.entries(tags).map(([key, value]) => ({
    ConditionKey: `aws:ResourceTag/${key}`,
    ConditionValue: value,
  })),
});
const check = (node: IConstruct): NagRuleResult =>
  backupSelectionWithinEnvironment.check(node as CfnResource, RULE_CONTEXT);

describe('Rxdr-BackupSelectionWithinEnvironment', () => {
  test('a selection built with BackupResource.fromTag alone fails synth, and the message names the selection', () => {
    // GIVEN an rxdr-configured stack whose plan selects by the tier tag only, with our pack as a synth plugin
    const app = testApp();
    const stack = new ConfiguredStack(config, app);
    plan(stack).addSelection('ByTag', {
      backupSelectionName: 'prod-critical-by-tag',
      resources: [backup.BackupResource.fromTag('rxdr:tier', 'critical')],
    });
    Validations.of(app).addPlugins(new RxdrChecks(app));
    // WHEN synthesized THEN it fails, naming the selection and the tag
    expect(() => app.synth()).toThrow(
      /Rxdr-BackupSelectionWithinEnvironment\[prod-critical-by-tag:.ListOfTags.rxdr:tier=critical.selects.any.resource.with.that.tag\]/,
    );
  });

  test('the ListOfTags that rxdr shipped before is flagged next to the ARNs it was ORed with', () => {
    const stack = new ConfiguredStack(config);
    const selection = plan(stack).addSelection('Old', {
      backupSelectionName: 'rxdr-critical',
      resources: [
        backup.BackupResource.fromTag('rxdr:tier', 'critical'),
        backup.BackupResource.fromArn(DatabaseBackupSelection.instanceArn(stack, 'us-east-1', 'pharmacy-claims')),
      ],
    });
    expect(check(selection.node.defaultChild!)).toEqual([
      'rxdr-critical: ListOfTags rxdr:tier=critical selects any resource with that tag',
    ]);
  });

  test('the DatabaseBackupSelection of every shipped environment is compliant', () => {
    for (const name of ['dev', 'staging', 'prod']) {
      const { stage } = synthStage(shippedEnvironment(name));
      const selections = stage.primary.node
        .findAll()
        .filter(
          (c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === 'AWS::Backup::BackupSelection',
        );
      expect(selections.length).toBeGreaterThan(0);
      expect(selections.map((s) => check(s))).toEqual(selections.map(() => NagRuleCompliance.COMPLIANT));
    }
  });

  test('Conditions without the environment tag are flagged, whatever else they require', () => {
    const stack = new ConfiguredStack(config);
    const tierOnly = l1Selection(stack, 'TierOnly', {
      resources: ['arn:aws:rds:*:*:db:*'],
      conditions: equals({ 'rxdr:tier': 'critical' }),
    });
    expect(check(tierOnly)).toEqual([
      'TierOnly: Conditions do not require rxdr:env=prod',
      'TierOnly: Resources arn:aws:rds:*:*:db:* matches resources of any environment',
    ]);
  });

  test('Conditions that require another environment are flagged', () => {
    const stack = new ConfiguredStack(config);
    const staging = l1Selection(stack, 'Staging', {
      resources: ['arn:aws:rds:*:*:db:*'],
      conditions: equals({ 'rxdr:tier': 'critical', 'rxdr:env': 'staging' }),
    });
    expect(check(staging)).toEqual(expect.arrayContaining(['Staging: Conditions do not require rxdr:env=prod']));
  });

  test('Conditions on both the tier and this environment are compliant, even over a wildcard Resources', () => {
    const stack = new ConfiguredStack(config);
    const pinned = l1Selection(stack, 'Pinned', {
      resources: ['arn:aws:rds:*:*:db:*'],
      conditions: equals({ 'rxdr:tier': 'critical', 'rxdr:env': 'prod' }),
    });
    expect(check(pinned)).toBe(NagRuleCompliance.COMPLIANT);
  });

  test('without an environment condition: wildcard, empty, or another database’s ARN in Resources are flagged', () => {
    const stack = new ConfiguredStack(config);
    expect(check(l1Selection(stack, 'All', { resources: ['*'] }))).toEqual([
      'All: Resources * matches resources of any environment',
    ]);
    expect(check(l1Selection(stack, 'Nothing', {}))).toEqual([
      'Nothing: no Resources: selects every supported resource',
    ]);
    expect(
      check(
        l1Selection(stack, 'Other', { resources: ['arn:aws:rds:us-east-1:111111111111:db:rxdr-staging-dispensing'] }),
      ),
    ).toEqual([
      'Other: Resources arn:aws:rds:us-east-1:111111111111:db:rxdr-staging-dispensing is not one of the prod databases',
    ]);
    expect(
      check(
        l1Selection(stack, 'Own', {
          resources: [
            'arn:aws:rds:us-east-1:111111111111:db:rxdr-prod-dispensing',
            'arn:aws:rds:us-east-1:111111111111:db:pharmacy-claims',
          ],
        }),
      ),
    ).toBe(NagRuleCompliance.COMPLIANT);
  });

  test('outside an rxdr stack a tag selection is still flagged (no environment to belong to)', () => {
    const stack = new Stack(undefined, 'Plain', { env: { account: '111111111111', region: 'us-east-1' } });
    const selection = plan(stack).addSelection('ByTag', {
      backupSelectionName: 'by-tag',
      resources: [backup.BackupResource.fromTag('stage', 'prod')],
    });
    expect(check(selection.node.defaultChild!)).toEqual([
      'by-tag: ListOfTags stage=prod selects any resource with that tag',
    ]);
  });
});

describe('Rxdr-DatabasesSelectedWithCrossRegionCopy reads every form of selection', () => {
  function vaultCheck(build: (stack: Stack) => void): NagRuleResult {
    const stack = new ConfiguredStack(config);
    const vault = new backup.BackupVault(stack, 'Vault', { encryptionKey: new kms.Key(stack, 'K') });
    build(stack);
    return databasesSelectedWithCrossRegionCopy.check(vault.node.defaultChild as CfnResource, RULE_CONTEXT);
  }

  test('DatabaseBackupSelection (instance ARNs only) covers created and adopted databases', () => {
    const result = vaultCheck((stack) => {
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('backup.amazonaws.com') });
      new DatabaseBackupSelection(stack, 'Sel', {
        plan: plan(stack),
        role,
        environment: 'prod',
        tier: 'critical',
        databases: config.databases,
        primaryRegion: 'us-east-1',
      });
    });
    expect(result).toBe(NagRuleCompliance.COMPLIANT);
  });

  test('Conditions on this environment and tier cover the created database, not the adopted one (rxdr does not tag it)', () => {
    const conditions = equals({ 'rxdr:tier': 'critical', 'rxdr:env': 'prod' });
    expect(
      vaultCheck((stack) => l1Selection(stack, 'Pinned', { resources: ['arn:aws:rds:*:*:db:*'], conditions })),
    ).toBe(NagRuleCompliance.NON_COMPLIANT);
    const both = vaultCheck((stack) =>
      l1Selection(stack, 'Pinned', {
        resources: ['arn:aws:rds:*:*:db:*', 'arn:aws:rds:us-east-1:111111111111:db:pharmacy-claims'],
        conditions,
      }),
    );
    expect(both).toBe(NagRuleCompliance.NON_COMPLIANT); // Resources AND Conditions: the adopted ARN still needs the tags
    const adopted = vaultCheck((stack) => {
      l1Selection(stack, 'Pinned', { resources: ['arn:aws:rds:*:*:db:*'], conditions });
      l1Selection(stack, 'Adopted', { resources: ['arn:aws:rds:us-east-1:111111111111:db:pharmacy-claims'] });
    });
    expect(adopted).toBe(NagRuleCompliance.COMPLIANT);
  });

  test('NotResources takes a database out of a selection that would cover it', () => {
    const claims = 'arn:aws:rds:us-east-1:111111111111:db:pharmacy-claims';
    const own = ['arn:aws:rds:us-east-1:111111111111:db:rxdr-prod-dispensing', claims];
    expect(vaultCheck((stack) => l1Selection(stack, 'Own', { resources: own }))).toBe(NagRuleCompliance.COMPLIANT);
    expect(vaultCheck((stack) => l1Selection(stack, 'Own', { resources: own, notResources: [claims] }))).toBe(
      NagRuleCompliance.NON_COMPLIANT,
    );
  });

  test('Conditions on another environment cover nothing of this one', () => {
    const result = vaultCheck((stack) => {
      l1Selection(stack, 'Staging', {
        resources: ['arn:aws:rds:*:*:db:*'],
        conditions: equals({ 'rxdr:tier': 'critical', 'rxdr:env': 'staging' }),
      });
      l1Selection(stack, 'Adopted', { resources: ['arn:aws:rds:us-east-1:111111111111:db:pharmacy-claims'] });
    });
    expect(result).toBe(NagRuleCompliance.NON_COMPLIANT);
  });
});
