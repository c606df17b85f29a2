import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { VAULT_NOTIFICATION_EVENTS } from './backup-vault';
import { vaultAccessPolicy } from './vault-access-policy';

export interface AirGappedVaultProps {
  readonly vaultName: string;
  /** Customer-managed key (AWS Backup logically air-gapped vaults accept a CMK). */
  readonly key: kms.IKey;
  readonly minRetentionDays: number;
  readonly maxRetentionDays: number;
  readonly breakGlassRoleName: string;
  readonly notificationTopic: sns.ITopic;
}

/**
 * A logically air-gapped AWS Backup vault (isolatedBackup mode "air-gapped"): always locked in
 * compliance mode by AWS Backup, recovery points shareable to a recovery account through AWS RAM.
 */
export class AirGappedVault extends Construct {
  readonly vault: backup.CfnLogicallyAirGappedBackupVault;
  readonly vaultArn: string;

  constructor(scope: Construct, id: string, props: AirGappedVaultProps) {
    super(scope, id);
    if (props.maxRetentionDays < props.minRetentionDays)
      throw new Error(
        `maxRetentionDays (${props.maxRetentionDays}) must not be below minRetentionDays (${props.minRetentionDays})`,
      );
    const breakGlassRoleArn = Stack.of(this).formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: props.breakGlassRoleName,
    });
    this.vault = new backup.CfnLogicallyAirGappedBackupVault(this, 'Vault', {
      backupVaultName: props.vaultName,
      encryptionKeyArn: props.key.keyArn,
      minRetentionDays: props.minRetentionDays,
      maxRetentionDays: props.maxRetentionDays,
      accessPolicy: vaultAccessPolicy(breakGlassRoleArn),
      notifications: {
        snsTopicArn: props.notificationTopic.topicArn,
        backupVaultEvents: [...VAULT_NOTIFICATION_EVENTS],
      },
    });
    this.vault.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.vaultArn = this.vault.attrBackupVaultArn;
  }
}
