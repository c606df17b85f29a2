import { Match } from 'aws-cdk-lib/assertions';
import { AUDIT_CONTROLS } from '../../lib/constructs/backup-audit';
import { names } from '../../lib/naming';
import { environment, shippedConfig } from '../helpers/config';
import { wildcardActionStatements } from '../helpers/iam';
import { synthStage } from '../helpers/synth';
import { plain } from '../helpers/intrinsics';

/** Every IAM policy statement in a template: IAM policies, roles' inline policies, key/topic/bucket/vault policies. */

const environments = shippedConfig().environments;

describe.each(environments.map((env) => [env.name, env] as const))('backup foundation of %s', (_name, config) => {
  const { primary, recovery } = synthStage(config);

  test('a rotating, retained CMK in both regions', () => {
    for (const template of [primary, recovery]) {
      const keys = Object.values(template.findResources('AWS::KMS::Key'));
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys)
        expect(key).toMatchObject({ DeletionPolicy: 'Retain', Properties: { EnableKeyRotation: true } });
    }
    primary.hasResourceProperties('AWS::KMS::Alias', { AliasName: names.keyAlias(config, 'primary') });
    recovery.hasResourceProperties('AWS::KMS::Alias', { AliasName: names.keyAlias(config, 'recovery') });
  });

  test('both vaults are on the CMKs, with deterministic names', () => {
    primary.hasResourceProperties('AWS::Backup::BackupVault', {
      BackupVaultName: names.primaryVault(config),
      EncryptionKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
    });
    recovery.hasResourceProperties('AWS::Backup::BackupVault', {
      BackupVaultName: names.recoveryVault(config),
      EncryptionKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
    });
  });

  test(`vault lock in ${config.vaultLock.mode} mode`, () => {
    for (const template of [primary, recovery]) {
      template.hasResourceProperties('AWS::Backup::BackupVault', {
        LockConfiguration:
          config.vaultLock.mode === 'compliance'
            ? { ChangeableForDays: Match.anyValue(), MinRetentionDays: Match.anyValue() }
            : { ChangeableForDays: Match.absent(), MinRetentionDays: Match.anyValue() },
      });
    }
    if (config.production)
      primary.hasResourceProperties('AWS::Backup::BackupVault', { LockConfiguration: { ChangeableForDays: 3 } });
  });

  test('every rule of every plan copies to the recovery vault’s ARN with the same lifecycle', () => {
    const recoveryArn = `arn:aws:backup:${config.recoveryRegion}:${config.account}:backup-vault:${names.recoveryVault(config)}`;
    const plans = Object.values(primary.findResources('AWS::Backup::BackupPlan'));
    expect(plans.length).toBeGreaterThan(0);
    for (const plan of plans) {
      for (const rule of plan.Properties.BackupPlan.BackupPlanRule as {
        Lifecycle: unknown;
        CopyActions: { DestinationBackupVaultArn: unknown; Lifecycle: unknown }[];
      }[]) {
        const copy = rule.CopyActions.find((c) => plain(c.DestinationBackupVaultArn) === recoveryArn);
        expect(copy).toBeDefined();
        expect(copy?.Lifecycle).toEqual(rule.Lifecycle);
      }
    }
  });

  test('selections cover every configured database by its instance or cluster ARN', () => {
    const selections = Object.values(primary.findResources('AWS::Backup::BackupSelection')).map(
      (s) => s.Properties.BackupSelection as { Resources?: unknown[] },
    );
    for (const db of config.databases) {
      const source = names.primarySource(config, db);
      const covered = selections.some((s) =>
        (s.Resources ?? [])
          .map(plain)
          .includes(`arn:aws:rds:${config.primaryRegion}:${config.account}:${source.resource}:${source.identifier}`),
      );
      expect({ db: db.name, covered }).toEqual({ db: db.name, covered: true });
    }
  });

  test('no IAM statement anywhere has a wildcard action (only the TLS-only denies cover every action)', () => {
    for (const template of [primary, recovery]) expect(wildcardActionStatements(template)).toEqual([]);
  });
});

describe('isolated backup', () => {
  test('cross-account: every rule also copies to the isolated account’s vault', () => {
    const { primary } = synthStage(
      environment({ isolatedBackup: { account: '444444444444', vaultName: 'iso-vault' } }),
    );
    expect(JSON.stringify(primary.findResources('AWS::Backup::BackupPlan'))).toContain(
      ':backup:us-west-2:444444444444:backup-vault:iso-vault',
    );
  });

  test('air-gapped: a logically air-gapped vault on the recovery CMK, and copies to it', () => {
    const config = environment({ isolatedBackup: { mode: 'air-gapped' } });
    const { primary, recovery } = synthStage(config);
    recovery.hasResourceProperties('AWS::Backup::LogicallyAirGappedBackupVault', {
      BackupVaultName: names.airGappedVault(config),
      MinRetentionDays: 35,
      MaxRetentionDays: 3650,
    });
    expect(JSON.stringify(primary.findResources('AWS::Backup::BackupPlan'))).toContain(
      `backup-vault:${names.airGappedVault(config)}`,
    );
  });
});

describe.each(environments.map((env) => [env.name, env] as const))('audit and evidence of %s', (_name, config) => {
  const { primary, recovery } = synthStage(config);

  test('the audit framework has the ten controls, maxRestoreTime = the strictest protected tier RTO', () => {
    const framework = Object.values(primary.findResources('AWS::Backup::Framework'))[0]!;
    const controls = framework.Properties.FrameworkControls as {
      ControlName: string;
      ControlInputParameters: { ParameterName: string; ParameterValue: string }[];
    }[];
    expect(controls.map((c) => c.ControlName)).toEqual([...AUDIT_CONTROLS]);
    const restore = controls.find((c) => c.ControlName === 'RESTORE_TIME_FOR_RESOURCES_MEET_TARGET')!;
    const rto = Math.min(...config.databases.map((db) => db.tierPreset.rtoMinutes));
    expect(restore.ControlInputParameters).toEqual([{ ParameterName: 'maxRestoreTime', ParameterValue: String(rto) }]);
    primary.hasResourceProperties('AWS::Backup::ReportPlan', {
      ReportDeliveryChannel: { S3BucketName: names.evidenceBucket(config) },
    });
  });

  test(`the evidence bucket is locked (${config.production ? 'COMPLIANCE' : 'GOVERNANCE'}) for ${config.retention.evidenceDays} days, CMK, versioned, private, logged`, () => {
    recovery.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: {
        BucketName: names.evidenceBucket(config),
        ObjectLockEnabled: true,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: {
            DefaultRetention: {
              Mode: config.production ? 'COMPLIANCE' : 'GOVERNANCE',
              Days: config.retention.evidenceDays,
            },
          },
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            Match.objectLike({
              ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() },
            }),
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
      },
    });
    recovery.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});
