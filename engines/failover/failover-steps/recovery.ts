/** Recovery: start the chosen strategy, then look whenever an event (or the safety net) says so until it is available. */
import { StartRestoreJobCommand, DescribeRestoreJobCommand } from '@aws-sdk/client-backup';
import { PromoteReadReplicaCommand, RestoreDBInstanceToPointInTimeCommand, type DBInstance } from '@aws-sdk/client-rds';
import { z } from 'zod';
import { EVENT_WAIT_SAFETY_NET_SECONDS, findInstance, type Endpoint } from '../aws-helpers';
import { databaseOf, Errors, StepError } from '../catalog';
import type { StepDeps } from '../clients';
import { FailoverState, Recovery } from './state';
import { recoveryNetwork } from './preflight';
import { required } from './required';

/** The strategy's one destructive call, made only when the state found says it has not been made. */
export async function startRecovery(state: FailoverState, deps: StepDeps): Promise<z.infer<typeof Recovery>> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const db = databaseOf(deps.catalog, plan.database);
  const rds = deps.clients.rdsRecovery;
  const identifier = plan.targetInstanceIdentifier;
  const tags = [
    { Key: 'rxdr:failover-execution', Value: state.execution.name },
    { Key: 'rxdr:database', Value: db.name },
  ];
  let outcome: 'done' | 'already-done' = 'done';
  let restoreJobId: string | undefined;
  let detail: string;

  const existing = await findInstance(rds, identifier);
  if (plan.strategy === 'promote-replica') {
    if (!existing)
      throw new StepError(
        Errors.stepFailed,
        `read replica ${identifier} no longer exists in ${deps.catalog.recoveryRegion}`,
      );
    if (!existing.ReadReplicaSourceDBInstanceIdentifier || existing.DBInstanceStatus !== 'available') {
      outcome = 'already-done';
      detail = `${identifier} is ${existing.DBInstanceStatus}${existing.ReadReplicaSourceDBInstanceIdentifier ? ' (promotion in progress)' : ', already promoted'}`;
    } else {
      await rds.send(
        new PromoteReadReplicaCommand({
          DBInstanceIdentifier: identifier,
          BackupRetentionPeriod: Math.max(1, existing.BackupRetentionPeriod ?? 7),
        }),
      );
      detail = `promotion of ${identifier} started`;
    }
  } else if (existing) {
    outcome = 'already-done';
    detail = `${identifier} already exists (${existing.DBInstanceStatus}): not restoring again`;
  } else if (plan.strategy === 'point-in-time') {
    const source = required(plan.source, 'plan.source');
    const network = await recoveryNetwork(deps, db);
    const restoreToLatest = state.input.targetTime === undefined;
    await rds.send(
      new RestoreDBInstanceToPointInTimeCommand({
        SourceDBInstanceAutomatedBackupsArn: source.id,
        TargetDBInstanceIdentifier: identifier,
        ...(restoreToLatest ? { UseLatestRestorableTime: true } : { RestoreTime: new Date(source.recoveryPointTime) }),
        ...(db.instanceClass ? { DBInstanceClass: db.instanceClass } : {}),
        ...(network ? { DBSubnetGroupName: network.subnetGroupName } : {}),
        ...(network && network.securityGroupIds.length > 0 ? { VpcSecurityGroupIds: network.securityGroupIds } : {}),
        PubliclyAccessible: false,
        DeletionProtection: true,
        CopyTagsToSnapshot: true,
        Tags: tags,
      }),
    );
    detail = `point-in-time restore of ${identifier} to ${restoreToLatest ? 'the latest restorable time' : source.recoveryPointTime} started`;
  } else {
    const source = required(plan.source, 'plan.source');
    const network = await recoveryNetwork(deps, db);
    const metadata: Record<string, string> = {
      DBInstanceIdentifier: identifier,
      PubliclyAccessible: 'false',
      DeletionProtection: 'true',
      CopyTagsToSnapshot: 'true',
    };
    if (db.instanceClass) metadata.DBInstanceClass = db.instanceClass;
    if (network) metadata.DBSubnetGroupName = network.subnetGroupName;
    if (network && network.securityGroupIds.length > 0)
      metadata.VpcSecurityGroupIds = JSON.stringify(network.securityGroupIds);
    const out = await deps.clients.backup.send(
      new StartRestoreJobCommand({
        RecoveryPointArn: source.id,
        IamRoleArn: deps.catalog.backupRestoreRoleArn,
        ResourceType: 'RDS',
        Metadata: metadata,
        // Same token for the same database and recovery point: AWS Backup returns the existing job.
        IdempotencyToken: `rxdr-failover-${db.name}-${source.recoveryPointTime}`.slice(0, 128),
      }),
    );
    restoreJobId = out.RestoreJobId;
    detail = `restore job ${restoreJobId ?? '?'} for ${identifier} started from ${source.id}`;
  }
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    instanceIdentifier: identifier,
    outcome,
    ...(restoreJobId ? { restoreJobId } : {}),
    polls: 0,
    waitSeconds: EVENT_WAIT_SAFETY_NET_SECONDS,
    status: 'pending',
    detail,
  };
}

/**
 * One look at the recovering instance. Until it is available the state machine waits for its next RDS or AWS
 * Backup event, at most `waitSeconds` (the safety net), and asks again.
 */
export async function checkRecovery(state: FailoverState, deps: StepDeps): Promise<z.infer<typeof Recovery>> {
  const recovery = required(state.recovery, 'recovery');
  const plan = required(state.plan, 'plan');
  const instance = await findInstance(deps.clients.rdsRecovery, recovery.instanceIdentifier);
  const polls = recovery.polls + 1;
  const pending = (detail: string) => ({
    ...recovery,
    polls,
    waitSeconds: EVENT_WAIT_SAFETY_NET_SECONDS,
    status: 'pending' as const,
    detail,
  });
  if (!instance) {
    if (recovery.restoreJobId) {
      const job = await deps.clients.backup.send(
        new DescribeRestoreJobCommand({ RestoreJobId: recovery.restoreJobId }),
      );
      if (job.Status === 'FAILED' || job.Status === 'ABORTED')
        throw new StepError(
          Errors.stepFailed,
          `restore job ${recovery.restoreJobId} ${job.Status}: ${job.StatusMessage ?? 'no message'}`,
        );
      return pending(`restore job ${recovery.restoreJobId} is ${job.Status ?? 'unknown'}`);
    }
    return pending(`${recovery.instanceIdentifier} not visible yet`);
  }
  const status = instance.DBInstanceStatus ?? 'unknown';
  if (
    [
      'failed',
      'incompatible-restore',
      'incompatible-parameters',
      'incompatible-network',
      'storage-full',
      'inaccessible-encryption-credentials',
    ].includes(status)
  ) {
    throw new StepError(Errors.stepFailed, `${recovery.instanceIdentifier} is ${status}: it cannot become the primary`);
  }
  const promoted = plan.strategy !== 'promote-replica' || !instance.ReadReplicaSourceDBInstanceIdentifier;
  if (status !== 'available' || !promoted || !instance.Endpoint?.Address)
    return pending(`${recovery.instanceIdentifier} is ${status}${promoted ? '' : ' (still a replica)'}`);
  return {
    ...recovery,
    polls,
    status: 'available',
    detail: `${recovery.instanceIdentifier} is available`,
    availableAt: deps.clock.now().toISOString(),
    endpoint: endpointOf(instance),
  };
}

function endpointOf(instance: DBInstance): Endpoint {
  return { host: required(instance.Endpoint?.Address, 'endpoint address'), port: instance.Endpoint?.Port ?? 5432 };
}
