/** A latest-backup recovery: an AWS Backup restore job of the newest recovery point, instance or cluster alike. */
import { DescribeRestoreJobCommand, StartRestoreJobCommand } from '@aws-sdk/client-backup';
import { Errors, StepError, type CatalogDatabase } from '../catalog';
import type { StepDeps } from '../clients';
import type { RecoveryRecord } from '../provider';
import { recoveryNetwork } from './recovery-network';
import { required } from './required';
import type { Plan } from './state';

/**
 * Start the restore job of the plan's recovery point with the resource's restore `metadata`, landing in the
 * recovery network. `label` names what is restored in the detail.
 */
export async function startRestoreJob(
  deps: StepDeps,
  db: CatalogDatabase,
  plan: Plan,
  restore: { readonly type: 'RDS' | 'Aurora'; readonly label: string; readonly metadata: Record<string, string> },
): Promise<{ restoreJobId?: string; detail: string }> {
  const source = required(plan.source, 'plan.source');
  const network = await recoveryNetwork(deps, db);
  const metadata = { ...restore.metadata };
  if (network) metadata.DBSubnetGroupName = network.subnetGroupName;
  if (network && network.securityGroupIds.length > 0)
    metadata.VpcSecurityGroupIds = JSON.stringify(network.securityGroupIds);
  const out = await deps.clients.backup.send(
    new StartRestoreJobCommand({
      RecoveryPointArn: source.id,
      IamRoleArn: deps.catalog.backupRestoreRoleArn,
      ResourceType: restore.type,
      Metadata: metadata,
      // Same token for the same database and recovery point: AWS Backup returns the existing job.
      IdempotencyToken: `rxdr-failover-${db.name}-${source.recoveryPointTime}`.slice(0, 128),
    }),
  );
  const restoreJobId = out.RestoreJobId;
  return {
    ...(restoreJobId ? { restoreJobId } : {}),
    detail: `restore job ${restoreJobId ?? '?'} for ${restore.label} started from ${source.id}`,
  };
}

/**
 * While the recovered database is not visible yet: how its restore job (if any) is doing. A failed or aborted job
 * fails the step.
 */
export async function notVisibleYet(
  deps: StepDeps,
  recovery: RecoveryRecord,
  pending: (detail: string) => RecoveryRecord,
): Promise<RecoveryRecord> {
  if (!recovery.restoreJobId) return pending(`${recovery.instanceIdentifier} not visible yet`);
  const job = await deps.clients.backup.send(new DescribeRestoreJobCommand({ RestoreJobId: recovery.restoreJobId }));
  if (job.Status === 'FAILED' || job.Status === 'ABORTED')
    throw new StepError(
      Errors.stepFailed,
      `restore job ${recovery.restoreJobId} ${job.Status}: ${job.StatusMessage ?? 'no message'}`,
    );
  return pending(`restore job ${recovery.restoreJobId} is ${job.Status ?? 'unknown'}`);
}
