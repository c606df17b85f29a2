/** A replica of the recovery-region primary, built back in the primary region. */
import { CreateDBInstanceReadReplicaCommand } from '@aws-sdk/client-rds';
import { EVENT_WAIT_SAFETY_NET_SECONDS, findInstance } from '../aws-helpers';
import { databaseOf, Errors, StepError } from '../catalog';
import type { StepDeps } from '../clients';
import { required } from '../failover-steps';
import { lookAtReplica, waitStarted } from './replica-wait';
import { FailbackState } from './state';

export async function createReplica(
  state: FailbackState,
  deps: StepDeps,
): Promise<NonNullable<FailbackState['replica']>> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const db = databaseOf(deps.catalog, plan.database);
  const existing = await findInstance(deps.clients.rdsPrimary, plan.replicaIdentifier);
  if (!existing) {
    await deps.clients.rdsPrimary.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: plan.replicaIdentifier,
        SourceDBInstanceIdentifier: plan.currentPrimary.arn,
        KmsKeyId: deps.catalog.primaryKeyArn,
        ...(db.instanceClass ? { DBInstanceClass: db.instanceClass } : {}),
        ...(db.primarySubnetGroupName ? { DBSubnetGroupName: db.primarySubnetGroupName } : {}),
        ...(db.primarySecurityGroupIds.length > 0 ? { VpcSecurityGroupIds: db.primarySecurityGroupIds } : {}),
        PubliclyAccessible: false,
        DeletionProtection: true,
        CopyTagsToSnapshot: true,
        Tags: [
          { Key: 'rxdr:failback-execution', Value: state.execution.name },
          { Key: 'rxdr:database', Value: db.name },
        ],
      }),
    );
  }
  return {
    ...waitStarted(deps, startedAt, existing ? 'already-done' : 'done'),
    detail: existing
      ? `${plan.replicaIdentifier} exists (${existing.DBInstanceStatus})`
      : `creating ${plan.replicaIdentifier}`,
  };
}

export async function checkReplica(
  state: FailbackState,
  deps: StepDeps,
): Promise<NonNullable<FailbackState['replica']>> {
  const { record: replica, plan, instance, polls } = await lookAtReplica(state, deps, 'replica');
  if (instance?.DBInstanceStatus === 'failed' || instance?.DBInstanceStatus?.startsWith('incompatible'))
    throw new StepError(Errors.stepFailed, `${plan.replicaIdentifier} is ${instance.DBInstanceStatus}`);
  if (instance?.DBInstanceStatus !== 'available')
    return {
      ...replica,
      polls,
      waitSeconds: EVENT_WAIT_SAFETY_NET_SECONDS,
      detail: `${plan.replicaIdentifier} is ${instance?.DBInstanceStatus ?? 'not visible yet'}`,
    };
  return {
    ...replica,
    polls,
    status: 'available',
    availableAt: deps.clock.now().toISOString(),
    detail: `${plan.replicaIdentifier} is available`,
  };
}
