import { ArnFormat, CfnResource, Duration, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import { NagRuleCompliance } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { RxdrRule } from '../../lib/compliance/rules';
import { copyOutsideSourceRegion } from '../../lib/compliance/rules/copy-outside-source-region';
import { databasesSelectedWithCrossRegionCopy } from '../../lib/compliance/rules/databases-selected-with-cross-region-copy';
import { planRetentionMinimums } from '../../lib/compliance/rules/plan-retention-minimums';
import { prodVaultComplianceLock } from '../../lib/compliance/rules/prod-vault-compliance-lock';
import { vaultCmkEncrypted } from '../../lib/compliance/rules/vault-cmk-encrypted';
import { EnvironmentConfig } from '../../lib/config/environment-config';
import { environment, shippedEnvironment } from '../helpers/config';
import { synthStage, TEST_DAY } from '../helpers/synth';

/** A stack that carries an rxdr config the way PrimaryStack/RecoveryStack do. */
class ConfiguredStack extends Stack {
  constructor(
    readonly config: EnvironmentConfig,
    region = config.primaryRegion,
  ) {
    super(undefined, 'RuleStack', { env: { account: config.account, region } });
  }
}

function results(rule: RxdrRule, scope: IConstruct, type: string) {
  return scope.node
    .findAll()
    .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === type)
    .map((r) => rule.check(r, { today: TEST_DAY }));
}

function plan(stack: Stack, destinationRegion: string, deleteAfterDays = 35, pointClass = 'daily') {
  const destination = backup.BackupVault.fromBackupVaultArn(
    stack,
    `Dest${destinationRegion}${deleteAfterDays}${pointClass}`,
    stack.formatArn({
      service: 'backup',
      region: destinationRegion,
      resource: 'backup-vault',
      resourceName: 'dest',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
  );
  return new backup.BackupPlan(stack, `Plan${destinationRegion}${deleteAfterDays}${pointClass}`, {
    backupPlanRules: [
      new backup.BackupPlanRule({
        ruleName: 'R',
        deleteAfter: Duration.days(deleteAfterDays),
        copyActions: [{ destinationBackupVault: destination, deleteAfter: Duration.days(deleteAfterDays) }],
        recoveryPointTags: { 'rxdr:recovery-point-class': pointClass },
      }),
    ],
  });
}

describe('Rxdr rules: compliant on every shipped environment', () => {
  test.each(['dev', 'staging', 'prod'])('%s', (name) => {
    const { stage } = synthStage(shippedEnvironment(name));
    for (const [rule, type] of [
      [vaultCmkEncrypted, 'AWS::Backup::BackupVault'],
      [prodVaultComplianceLock, 'AWS::Backup::BackupVault'],
      [copyOutsideSourceRegion, 'AWS::Backup::BackupPlan'],
      [planRetentionMinimums, 'AWS::Backup::BackupPlan'],
      [databasesSelectedWithCrossRegionCopy, 'AWS::Backup::BackupVault'],
    ] as const) {
      expect(results(rule, stage, type)).not.toContain(NagRuleCompliance.NON_COMPLIANT);
    }
  });
});

describe('Rxdr rules: non-compliant stacks are caught', () => {
  test('VaultCmkEncrypted: a vault on the AWS-owned key', () => {
    const stack = new Stack();
    new backup.BackupVault(stack, 'Plain');
    expect(results(vaultCmkEncrypted, stack, 'AWS::Backup::BackupVault')).toEqual([NagRuleCompliance.NON_COMPLIANT]);
    new backup.BackupVault(stack, 'Cmk', { encryptionKey: new kms.Key(stack, 'K') });
    expect(results(vaultCmkEncrypted, stack, 'AWS::Backup::BackupVault')).toEqual([
      NagRuleCompliance.NON_COMPLIANT,
      NagRuleCompliance.COMPLIANT,
    ]);
  });

  test('ProdVaultComplianceLock: a production vault with a governance lock; not applicable outside prod', () => {
    const prod = new ConfiguredStack(environment({ production: true }, 'prod'));
    new backup.BackupVault(prod, 'Governance', { lockConfiguration: { minRetention: Duration.days(35) } });
    new backup.BackupVault(prod, 'Compliance', {
      lockConfiguration: { minRetention: Duration.days(35), changeableFor: Duration.days(3) },
    });
    expect(results(prodVaultComplianceLock, prod, 'AWS::Backup::BackupVault')).toEqual([
      NagRuleCompliance.NON_COMPLIANT,
      NagRuleCompliance.COMPLIANT,
    ]);
    const dev = new ConfiguredStack(environment({}, 'dev'));
    new backup.BackupVault(dev, 'Governance', { lockConfiguration: { minRetention: Duration.days(35) } });
    expect(results(prodVaultComplianceLock, dev, 'AWS::Backup::BackupVault')).toEqual([
      NagRuleCompliance.NOT_APPLICABLE,
    ]);
  });

  test('CopyOutsideSourceRegion: a copy into the source region', () => {
    const stack = new Stack(undefined, 'S', { env: { account: '111111111111', region: 'us-east-1' } });
    plan(stack, 'us-east-1');
    plan(stack, 'us-west-2');
    expect(results(copyOutsideSourceRegion, stack, 'AWS::Backup::BackupPlan')).toEqual([
      NagRuleCompliance.NON_COMPLIANT,
      NagRuleCompliance.COMPLIANT,
    ]);
  });

  test('PlanRetentionMinimums: a daily rule kept shorter than the configured 35 days, or without a class', () => {
    const stack = new ConfiguredStack(environment());
    plan(stack, 'us-west-2', 7);
    plan(stack, 'us-west-2', 35);
    plan(stack, 'us-west-2', 35, 'unknown');
    expect(results(planRetentionMinimums, stack, 'AWS::Backup::BackupPlan')).toEqual([
      NagRuleCompliance.NON_COMPLIANT,
      NagRuleCompliance.COMPLIANT,
      NagRuleCompliance.NON_COMPLIANT,
    ]);
  });

  test('DatabasesSelectedWithCrossRegionCopy: an adopted database nobody selects, or a selection whose plan stays in-region', () => {
    const config = environment({
      databases: [{ name: 'claims', tier: 'important', mode: 'adopt', instanceIdentifier: 'pharmacy-claims' }],
    });
    const stack = new ConfiguredStack(config);
    const vault = new backup.BackupVault(stack, 'Vault', { encryptionKey: new kms.Key(stack, 'K') });
    const check = () =>
      databasesSelectedWithCrossRegionCopy.check(vault.node.defaultChild as CfnResource, { today: TEST_DAY });
    const claims = backup.BackupResource.fromArn(
      stack.formatArn({
        service: 'rds',
        resource: 'db',
        resourceName: 'pharmacy-claims',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    const local = plan(stack, 'us-east-1');
    local.addSelection('ByArn', {
      resources: [claims],
    });
    expect(check()).toBe(NagRuleCompliance.NON_COMPLIANT);

    const away = plan(stack, 'us-west-2');
    away.addSelection('ByArnAway', {
      resources: [claims],
    });
    expect(check()).toBe(NagRuleCompliance.COMPLIANT);
  });
});
