/** Recovery: start the chosen strategy, then look whenever an event (or the safety net) says so until it is available. */
import { PromoteReadReplicaCommand, RestoreDBInstanceToPointInTimeCommand, type DBInstance } from '@aws-sdk/client-rds';
import { EVENT_WAIT_SAFETY_NET_SECONDS, findInstance, type Endpoint } from '../aws-helpers';
import { databaseOf, Errors, StepError } from '../catalog';
import type { StepDeps } from '../clients';
import type { RecoveryRecord } from '../provider';
import { FailoverState } from './state';
import { recoveryNetwork } from './recovery-network';
import { notVisibleYet, startRestoreJob } from './restore-job';
import { required } from './required';

/** The record of a recovery just started (or found started): looked at again when its event comes. */
export function recoveryStarted(
  deps: StepDeps,
  startedAt: string,
  started: {
    readonly instanceIdentifier: string;
    readonly outcome: 'done' | 'already-done';
    readonly restoreJobId?: string;
    readonly detail: string;
    /** The first wait's timeout. @default EVENT_WAIT_SAFETY_NET_SECONDS (an event ends it sooner) */
    readonly waitSeconds?: number;
  },
): RecoveryRecord {
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    instanceIdentifier: started.instanceIdentifier,
    outcome: started.outcome,
    ...(started.restoreJobId ? { restoreJobId: started.restoreJobId } : {}),
    polls: 0,
    waitSeconds: started.waitSeconds ?? EVENT_WAIT_SAFETY_NET_SECONDS,
    status: 'pending',
    detail: started.detail,
  };
}

/** The tags of everything a failover creates: the IAM policies allow creating only with them. */
export function failoverTags(state: Pick<FailoverState, 'execution'>, db: { readonly name: string }) {
  return [
    { Key: 'rxdr:failover-execution', Value: state.execution.name },
    { Key: 'rxdr:database', Value: db.name },
  ];
}

/** One more look at a recovery: still pending (asked again after the next event), or available at an endpoint. */
export function recoveryLook(recovery: RecoveryRecord, deps: StepDeps) {
  const polls = recovery.polls + 1;
  return {
    pending: (detail: string, waitSeconds = EVENT_WAIT_SAFETY_NET_SECONDS): RecoveryRecord => ({
      ...recovery,
      polls,
      waitSeconds,
      status: 'pending',
      detail,
    }),
    available: (detail: string, endpoint: Endpoint): RecoveryRecord => ({
      ...recovery,
      polls,
      status: 'available',
      detail,
      availableAt: deps.clock.now().toISOString(),
      endpoint,
    }),
  };
}

/** The strategy's one destructive call, made only when the state found says it has not been made. */
export async function startRecovery(state: FailoverState, deps: StepDeps): Promise<RecoveryRecord> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const db = databaseOf(deps.catalog, plan.database);
  const rds = deps.clients.rdsRecovery;
  const identifier = plan.targetInstanceIdentifier;
  const tags = failoverTags(state, db);
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
    ({ restoreJobId, detail } = await startRestoreJob(deps, db, plan, {
      type: 'RDS',
      label: identifier,
      metadata: {
        DBInstanceIdentifier: identifier,
        PubliclyAccessible: 'false',
        DeletionProtection: 'true',
        CopyTagsToSnapshot: 'true',
        ...(db.instanceClass ? { DBInstanceClass: db.instanceClass } : {}),
      },
    }));
  }
  return recoveryStarted(deps, startedAt, { instanceIdentifier: identifier, outcome, restoreJobId, detail });
}

/**
 * One look at the recovering instance. Until it is available the state machine waits for its next RDS or AWS
 * Backup event, at most `waitSeconds` (the safety net), and asks again.
 */
export async function checkRecovery(state: FailoverState, deps: StepDeps): Promise<RecoveryRecord> {
  const recovery = required(state.recovery, 'recovery');
  const plan = required(state.plan, 'plan');
  const instance = await findInstance(deps.clients.rdsRecovery, recovery.instanceIdentifier);
  const { pending, available } = recoveryLook(recovery, deps);
  if (!instance) return notVisibleYet(deps, recovery, pending);
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
  return available(`${recovery.instanceIdentifier} is available`, endpointOf(instance));
}

function endpointOf(instance: DBInstance): Endpoint {
  return { host: required(instance.Endpoint?.Address, 'endpoint address'), port: instance.Endpoint?.Port ?? 5432 };
}
