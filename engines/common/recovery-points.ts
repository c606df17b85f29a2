import {
  type BackupClient,
  ListRecoveryPointsByBackupVaultCommand,
  type RecoveryPointByBackupVault,
} from '@aws-sdk/client-backup';

/** Which recovery points of a vault to list: all of them, or those of one resource (and resource type). */
export interface RecoveryPointFilter {
  readonly vault: string;
  /** Only the recovery points of this resource (`ByResourceArn`). */
  readonly resourceArn?: string;
  /** Only this AWS Backup resource type (`RDS` for instances, `Aurora` for clusters). */
  readonly resourceType?: 'RDS' | 'Aurora';
}

/** Every recovery point of a vault that matches the filter, all pages of `ListRecoveryPointsByBackupVault`. */
export async function listRecoveryPoints(
  backup: Pick<BackupClient, 'send'>,
  filter: RecoveryPointFilter,
): Promise<RecoveryPointByBackupVault[]> {
  const points: RecoveryPointByBackupVault[] = [];
  let token: string | undefined;
  do {
    const page = await backup.send(
      new ListRecoveryPointsByBackupVaultCommand({
        BackupVaultName: filter.vault,
        ByResourceArn: filter.resourceArn,
        ByResourceType: filter.resourceType,
        NextToken: token,
      }),
    );
    points.push(...(page.RecoveryPoints ?? []));
    token = page.NextToken || undefined;
  } while (token);
  return points;
}
