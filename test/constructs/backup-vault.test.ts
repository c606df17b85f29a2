import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { RxdrBackupVault } from '../../lib/constructs/backup-vault';
import { vaultLockConfiguration } from '../../lib/constructs/vault-lock';
import { testApp } from '../helpers/synth';

function vaultStack(lock: Partial<Parameters<typeof vaultLockConfiguration>[0]> = {}) {
  const stack = new Stack(testApp(), 'VaultStack', { env: { account: '111111111111', region: 'us-west-2' } });
  new RxdrBackupVault(stack, 'Vault', {
    vaultName: 'rxdr-test-recovery',
    key: new kms.Key(stack, 'Key'),
    lock: { mode: 'compliance', changeableForDays: 3, minRetentionDays: 35, maxRetentionDays: 3650, ...lock },
    breakGlassRoleName: 'rxdr-test-break-glass',
    notificationTopic: new sns.Topic(stack, 'Topic'),
  });
  return Template.fromStack(stack);
}

describe('RxdrBackupVault', () => {
  test('CMK, deterministic name, retained, compliance lock with the plans’ bounds', () => {
    const template = vaultStack();
    template.hasResource('AWS::Backup::BackupVault', {
      DeletionPolicy: 'Retain',
      Properties: {
        BackupVaultName: 'rxdr-test-recovery',
        EncryptionKeyArn: Match.objectLike({ 'Fn::GetAtt': Match.arrayWith(['Arn']) }),
        LockConfiguration: { ChangeableForDays: 3, MinRetentionDays: 35, MaxRetentionDays: 3650 },
      },
    });
  });

  test('governance mode is a lock without a cooling-off', () => {
    vaultStack({ mode: 'governance', changeableForDays: 3 }).hasResourceProperties('AWS::Backup::BackupVault', {
      LockConfiguration: { ChangeableForDays: Match.absent(), MinRetentionDays: 35 },
    });
  });

  test('the access policy denies deletion, lifecycle and policy changes to all but the break-glass role', () => {
    const template = vaultStack();
    expect(JSON.stringify(template.findResources('AWS::Backup::BackupVault'))).toContain(
      ':iam::111111111111:role/rxdr-test-break-glass',
    );
    template.hasResourceProperties('AWS::Backup::BackupVault', {
      AccessPolicy: {
        Statement: [
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: Match.arrayWith([
              'backup:DeleteRecoveryPoint',
              'backup:UpdateRecoveryPointLifecycle',
              'backup:PutBackupVaultAccessPolicy',
            ]),
            Condition: { ArnNotEquals: { 'aws:PrincipalArn': Match.anyValue() } },
          }),
        ],
      },
    });
  });

  test('the access policy also denies deleting a continuous recovery point by disassociating it', () => {
    vaultStack().hasResourceProperties('AWS::Backup::BackupVault', {
      AccessPolicy: {
        Statement: [
          Match.objectLike({
            Effect: 'Deny',
            Action: Match.arrayWith([
              'backup:DeleteRecoveryPoint',
              'backup:DisassociateRecoveryPoint',
              'backup:DisassociateRecoveryPointFromParent',
              'backup:UpdateRecoveryPointLifecycle',
            ]),
          }),
        ],
      },
    });
  });

  test('failed backup, copy and restore jobs notify the topic', () => {
    vaultStack().hasResourceProperties('AWS::Backup::BackupVault', {
      Notifications: {
        BackupVaultEvents: Match.arrayWith(['BACKUP_JOB_FAILED', 'COPY_JOB_FAILED', 'RESTORE_JOB_FAILED']),
      },
    });
  });

  test('a compliance lock needs a 72-hour cooling-off (value in the message)', () => {
    expect(() => vaultStack({ changeableForDays: 2 })).toThrow(
      /72-hour cooling-off \(changeableForDays >= 3\), got 48 hours/,
    );
  });

  test('lock bounds are validated together', () => {
    expect(() =>
      vaultLockConfiguration({
        mode: 'governance',
        changeableForDays: 3,
        minRetentionDays: 0,
        maxRetentionDays: 40000,
      }),
    ).toThrow(/minRetentionDays must be a whole number >= 1, got 0; maxRetentionDays must be at most 36500, got 40000/);
    expect(() =>
      vaultLockConfiguration({ mode: 'governance', changeableForDays: 3, minRetentionDays: 35, maxRetentionDays: 7 }),
    ).toThrow(/maxRetentionDays \(7\) must not be below minRetentionDays \(35\)/);
  });

  test('a malformed vault name is rejected with the value', () => {
    const stack = new Stack();
    expect(
      () =>
        new RxdrBackupVault(stack, 'V', {
          vaultName: 'bad name',
          key: new kms.Key(stack, 'K'),
          lock: { mode: 'governance', changeableForDays: 3, minRetentionDays: 1, maxRetentionDays: 2 },
          breakGlassRoleName: 'r',
          notificationTopic: new sns.Topic(stack, 'T'),
        }),
    ).toThrow(/got "bad name"/);
  });
});
