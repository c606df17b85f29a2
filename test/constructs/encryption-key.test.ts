import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { EncryptionKey } from '../../lib/constructs/encryption-key';
import { testApp } from '../helpers/synth';

function newStack(): Stack {
  return new Stack(testApp(), 'KeyStack', { env: { account: '111111111111', region: 'us-east-1' } });
}

describe('EncryptionKey', () => {
  test('rotation on, retained, aliased, no kms:* in the key policy', () => {
    // GIVEN
    const stack = newStack();
    // WHEN
    new EncryptionKey(stack, 'Key', { alias: 'alias/rxdr-test-primary', description: 'test key' });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { EnableKeyRotation: true, PendingWindowInDays: 30 },
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/rxdr-test-primary' });
    const key = Object.values(template.findResources('AWS::KMS::Key'))[0] as {
      Properties: { KeyPolicy: { Statement: { Action: string | string[] }[] } };
    };
    const actions = key.Properties.KeyPolicy.Statement.flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });

  test('grants that CDK writes with wildcard action families land in the key policy as explicit actions', () => {
    // GIVEN a secret encrypted with the key (CDK grants Secrets Manager kms:ReEncrypt* and kms:GenerateDataKey*)
    const stack = newStack();
    const { key } = new EncryptionKey(stack, 'Key', { alias: 'alias/rxdr-test-primary', description: 'test key' });
    // WHEN
    new secretsmanager.Secret(stack, 'Secret', { encryptionKey: key });
    // THEN
    const template = Template.fromStack(stack);
    const policy = (
      Object.values(template.findResources('AWS::KMS::Key'))[0] as {
        Properties: { KeyPolicy: { Statement: { Action: string | string[]; Condition?: unknown }[] } };
      }
    ).Properties.KeyPolicy;
    const viaSecretsManager = policy.Statement.find((s) =>
      JSON.stringify(s.Condition ?? {}).includes('secretsmanager'),
    );
    expect(viaSecretsManager?.Action).toEqual(
      expect.arrayContaining([
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
        'kms:GenerateDataKey',
        'kms:GenerateDataKeyWithoutPlaintext',
      ]),
    );
    expect(policy.Statement.flatMap((s) => [s.Action].flat()).filter((a) => a.includes('*'))).toEqual([]);
  });

  test('SNS publishers, CloudWatch Logs and the Backup Audit Manager role may use the key, scoped to the account', () => {
    const stack = newStack();
    new EncryptionKey(stack, 'Key', { alias: 'alias/rxdr-test-primary', description: 'test key' });
    Template.fromStack(stack).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AwsServicesPublishToEncryptedTopics',
            Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
          }),
          Match.objectLike({
            Sid: 'CloudWatchLogsEncryptsThisAccountsLogGroups',
            Principal: { Service: 'logs.us-east-1.amazonaws.com' },
          }),
          Match.objectLike({ Sid: 'BackupAuditManagerWritesReports', Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }),
        ]),
      },
    });
  });

  test('rejects a pending window outside 7-30 days, naming the value', () => {
    expect(
      () => new EncryptionKey(newStack(), 'Key', { alias: 'alias/x', description: 'x', pendingWindowDays: 5 }),
    ).toThrow(/between 7 and 30, got 5/);
  });

  test('rejects a reserved or malformed alias', () => {
    expect(() => new EncryptionKey(newStack(), 'Key', { alias: 'alias/aws/backup', description: 'x' })).toThrow(
      /reserved "alias\/aws\/" prefix, got "alias\/aws\/backup"/,
    );
    expect(() => new EncryptionKey(newStack(), 'Key', { alias: 'rxdr', description: 'x' })).toThrow(/got "rxdr"/);
  });
});
