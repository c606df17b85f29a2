import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { vaultAccessPolicy } from './vault-access-policy';
import { VaultLockSettings, vaultLockConfiguration } from './vault-lock';

/** Vault events sent to the alerts topic: every failure, plus expired jobs. */
export const VAULT_NOTIFICATION_EVENTS = [
  backup.BackupVaultEvents.BACKUP_JOB_FAILED,
  backup.BackupVaultEvents.BACKUP_JOB_EXPIRED,
  backup.BackupVaultEvents.COPY_JOB_FAILED,
  backup.BackupVaultEvents.RESTORE_JOB_FAILED,
];

export interface RxdrBackupVaultProps {
  /** Deterministic name (see `names.primaryVault` / `names.recoveryVault`): other regions address it by ARN. */
  readonly vaultName: string;
  /** Customer-managed key for the recovery points. */
  readonly key: kms.IKey;
  readonly lock: VaultLockSettings;
  /** Name of the only role allowed to delete recovery points or change the vault's policy. */
  readonly breakGlassRoleName: string;
  /** Where failed backup, copy and restore jobs are reported. */
  readonly notificationTopic: sns.ITopic;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** An AWS Backup vault on a CMK, locked, with a deny-deletion access policy and failure notifications. */
export class RxdrBackupVault extends Construct {
  /** The ARN of a vault with a known name in another region of this account, built with `formatArn`. */
  static arnInRegion(scope: Construct, vaultName: string, region: string, account?: string): string {
    return Stack.of(scope).formatArn({
      service: 'backup',
      region,
      account,
      resource: 'backup-vault',
      resourceName: vaultName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  readonly vault: backup.BackupVault;

  constructor(scope: Construct, id: string, props: RxdrBackupVaultProps) {
    super(scope, id);
    if (!/^[a-zA-Z0-9\-_]{2,50}$/.test(props.vaultName))
      throw new Error(`vaultName must be 2-50 letters, digits, "-" or "_", got "${props.vaultName}"`);
    const breakGlassRoleArn = Stack.of(this).formatArn({
      service: 'iam',
      region: '',
      resource: 'role',
      resourceName: props.breakGlassRoleName,
    });
    this.vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: props.vaultName,
      encryptionKey: props.key,
      accessPolicy: vaultAccessPolicy(breakGlassRoleArn),
      lockConfiguration: vaultLockConfiguration(props.lock),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // Set on the L1: the L2's notificationTopic also grants backup.amazonaws.com `kms:GenerateDataKey*` on the
    // topic's key, a wildcard action. The key policy (EncryptionKey) and the topic policy (AlertsTopic)
    // already let AWS Backup of this account publish.
    (this.vault.node.defaultChild as backup.CfnBackupVault).notifications = {
      snsTopicArn: props.notificationTopic.topicArn,
      backupVaultEvents: [...VAULT_NOTIFICATION_EVENTS],
    };
  }
}
