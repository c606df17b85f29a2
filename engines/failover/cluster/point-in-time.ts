/**
 * The point-in-time strategy for an Aurora PostgreSQL cluster: `RestoreDBClusterToPointInTime` of the primary
 * cluster into a new cluster beside it, plus its one instance, then the same validation, repoint and evidence as
 * every strategy. Aurora restores a cluster to a point in time only in the cluster's own region, from its
 * automated (continuous) backups: it has no cross-region automated backups, and AWS Backup copies a continuous
 * recovery point to another region as a snapshot, without point-in-time restore. So this strategy is for a
 * damaged cluster in a region that is up (a bad migration, deleted or corrupted rows: restore to just before
 * it); for a regional outage preflight blocks it and names the strategies that work then.
 */
import { RestoreDBClusterToPointInTimeCommand, type DBCluster } from '@aws-sdk/client-rds';
import { EVENT_WAIT_SAFETY_NET_SECONDS, messageOf } from '../aws-helpers';
import { Errors, StepError, type CatalogCluster } from '../catalog';
import type { StepDeps } from '../clients';
import type { FailoverState, Plan, VerifyRecord } from '../failover-steps/state';
import type { RecoveryRecord } from '../provider';
import { failoverPlan, STATUSES_HEALTHY, withTimeout } from '../failover-steps/failover-plan';
import { planChecks } from '../plan-checks';
import { required } from '../failover-steps/required';
import { throwUnlessVerified, verifyPointers } from '../failover-steps/repoint';
import { failoverTags, recoveryLook } from '../failover-steps/recovery';
import { clusterOf, findCluster, writerEndpoint, writerInstancePending } from './aws-clusters';

/** Where the restore lands: the restored cluster's identifier in the primary region; its one instance shares it. */
export const restoredCluster = (cluster: CatalogCluster) => cluster.recoveredClusterIdentifier;
const FAILED_STATUSES = ['failed', 'inaccessible-encryption-credentials', 'incompatible-restore', 'storage-full'];

/** Whether a cluster run takes this strategy (its steps are this file's). */
export function isClusterPointInTime(state: FailoverState, defaultStrategy: string): boolean {
  return (state.plan?.strategy ?? state.input.strategy ?? defaultStrategy) === 'point-in-time';
}

/** The alternatives preflight names when the primary region cannot restore. */
function regionalAlternatives(cluster: CatalogCluster): string {
  return cluster.globalClusterIdentifier ? 'global-failover or detach-and-promote' : 'latest-backup';
}

/**
 * Read-only: the primary region answers, the cluster's restorable window holds the target time (default its
 * `LatestRestorableTime`), and the data-loss window is the time from the target to now.
 */
export async function clusterPointInTimePreflight(state: FailoverState, deps: StepDeps): Promise<Plan> {
  const startedAt = deps.clock.now();
  const { catalog, clients } = deps;
  const { input } = state;
  const { db, cluster } = clusterOf(catalog, input.database);
  const { checks, blockers, check } = planChecks();
  const warnings: string[] = [];
  const primaryId = cluster.primaryClusterIdentifier;
  const target = restoredCluster(cluster);
  const region = catalog.primaryRegion;
  let found: DBCluster | undefined;
  let existing: DBCluster | undefined;
  let primary: Plan['primary'];
  try {
    found = await withTimeout(findCluster(clients.rdsPrimary, primaryId), 10_000);
    existing = await withTimeout(findCluster(clients.rdsPrimary, target), 10_000);
    const status = found?.Status ?? 'not-found';
    const healthy = found !== undefined && STATUSES_HEALTHY.has(status);
    primary = {
      identifier: primaryId,
      status,
      healthy,
      detail: `primary cluster ${primaryId} is ${status} in ${region}`,
    };
    check('region', true, `RDS in ${region} answers: the restore lands beside ${primaryId}`);
  } catch (error) {
    const detail = `RDS in ${region} did not answer: ${messageOf(error)}`;
    primary = { identifier: primaryId, status: 'unreachable', healthy: false, detail };
    check(
      'region',
      false,
      `Aurora restores a cluster to a point in time only in its own region, and ${detail}; ` +
        `for a regional outage use ${regionalAlternatives(cluster)}`,
    );
  }
  checks.push({ name: 'primary', ok: true, detail: primary.detail });

  const now = deps.clock.now();
  let source: Plan['source'];
  let expectedDataLossSeconds: number | null = null;
  const recoveryAlreadyStarted = existing !== undefined;
  if (existing)
    check('target', true, `${target} already exists in ${region} (${existing.Status}): a resumed run waits for it`);
  if (found) {
    const latest = found.LatestRestorableTime;
    const earliest = found.EarliestRestorableTime;
    if (!latest) {
      if (!existing) check('restorable-window', false, `${primaryId} reports no latest restorable time`);
    } else {
      const restoreTo = input.targetTime ? new Date(input.targetTime) : latest;
      const inWindow = (!earliest || restoreTo >= earliest) && restoreTo <= latest;
      const window = `${earliest?.toISOString() ?? '?'} … ${latest.toISOString()}`;
      if (!existing)
        check(
          'restorable-window',
          inWindow,
          inWindow ? `restorable ${window}` : `target time ${restoreTo.toISOString()} is outside ${window}`,
        );
      expectedDataLossSeconds = Math.max(0, Math.round((now.getTime() - restoreTo.getTime()) / 1000));
      source = {
        kind: 'point-in-time',
        id: found.DBClusterArn ?? primaryId,
        recoveryPointTime: restoreTo.toISOString(),
        details: {
          via: 'aurora-automated-backups',
          region,
          restoreType: 'full-copy',
          dataLossWindowSeconds: String(expectedDataLossSeconds),
        },
      };
    }
  } else if (primary.status === 'not-found') {
    check('primary', false, `${primaryId} not found in ${region}: nothing to restore from; use latest-backup`);
  }
  // The validator runs in the recovery region's database network; the restore lands in the primary region's.
  warnings.push(
    `the validator runs in ${catalog.recoveryRegion} and reaches ${target} in ${region} only where the two ` +
      'database networks are connected; otherwise validation fails and clients stay where they are',
  );
  // The damaged cluster still answers: replacing it takes --force, as replacing any healthy primary does.
  const refused = primary.healthy && !input.force;
  const findings = { startedAt, input, strategy: 'point-in-time' as const, primary, source, target };
  const plan = await failoverPlan(
    deps,
    db,
    { ...findings, recoveryAlreadyStarted, expectedDataLossSeconds, checks, blockers, warnings, refused },
    check,
  );
  const recover = `restore ${primaryId} to ${source?.recoveryPointTime ?? 'the target time'} as ${target} in ${region}, then add its instance`;
  return {
    ...plan,
    steps: plan.steps.map((step) => (step.name === 'recover' ? { ...step, description: recover } : step)),
  };
}

/** The one restore, made only when the restored cluster does not exist yet; on the damaged cluster's network. */
export async function startClusterPointInTime(state: FailoverState, deps: StepDeps): Promise<RecoveryRecord> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const { db, cluster } = clusterOf(deps.catalog, plan.database);
  const rds = deps.clients.rdsPrimary;
  const target = plan.targetInstanceIdentifier;
  let outcome: 'done' | 'already-done' = 'done';
  let detail: string;
  const existing = await findCluster(rds, target);
  if (existing) {
    outcome = 'already-done';
    detail = `${target} already exists (${existing.Status}): not restoring again`;
  } else {
    const source = required(plan.source, 'plan.source');
    const primary = await findCluster(rds, cluster.primaryClusterIdentifier);
    if (!primary)
      throw new StepError(
        Errors.stepFailed,
        `${cluster.primaryClusterIdentifier} no longer exists: nothing to restore`,
      );
    const restoreToLatest = state.input.targetTime === undefined;
    const securityGroups = (primary.VpcSecurityGroups ?? []).flatMap((g) =>
      g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [],
    );
    await rds.send(
      new RestoreDBClusterToPointInTimeCommand({
        SourceDBClusterIdentifier: cluster.primaryClusterIdentifier,
        DBClusterIdentifier: target,
        RestoreType: 'full-copy',
        ...(restoreToLatest
          ? { UseLatestRestorableTime: true }
          : { RestoreToTime: new Date(source.recoveryPointTime) }),
        ...(primary.DBSubnetGroup ? { DBSubnetGroupName: primary.DBSubnetGroup } : {}),
        ...(securityGroups.length > 0 ? { VpcSecurityGroupIds: securityGroups } : {}),
        ...(primary.DBClusterParameterGroup ? { DBClusterParameterGroupName: primary.DBClusterParameterGroup } : {}),
        EnableIAMDatabaseAuthentication: true,
        DeletionProtection: true,
        CopyTagsToSnapshot: true,
        Tags: failoverTags(state, db),
      }),
    );
    const to = restoreToLatest ? 'the latest restorable time' : source.recoveryPointTime;
    detail = `point-in-time restore of ${cluster.primaryClusterIdentifier} to ${to} as ${target} started`;
  }
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    instanceIdentifier: target,
    outcome,
    polls: 0,
    waitSeconds: EVENT_WAIT_SAFETY_NET_SECONDS,
    status: 'pending',
    detail,
  };
}

/** One look at the restored cluster: it gets its one instance once it is available (looked up first: once only). */
export async function checkClusterPointInTime(state: FailoverState, deps: StepDeps): Promise<RecoveryRecord> {
  const recovery = required(state.recovery, 'recovery');
  const plan = required(state.plan, 'plan');
  const { db } = clusterOf(deps.catalog, plan.database);
  const rds = deps.clients.rdsPrimary;
  const { pending, available } = recoveryLook(recovery, deps);
  const id = recovery.instanceIdentifier;
  const found = await findCluster(rds, id);
  if (!found) return pending(`${id} not visible yet`);
  if (FAILED_STATUSES.includes(found.Status ?? ''))
    throw new StepError(Errors.stepFailed, `${id} is ${found.Status}: it cannot become the primary`);
  if (found.Status !== 'available') return pending(`${id} is ${found.Status}`);
  const waiting = await writerInstancePending(rds, id, id, db, state);
  if (waiting) return pending(waiting);
  const endpoint = writerEndpoint(found);
  if (!endpoint) return pending(`${id} has no writer endpoint yet`);
  return available(`${id} is available in ${deps.catalog.primaryRegion} with its instance`, endpoint);
}

/** Every pointer reads the restored cluster's endpoint, and the cluster (primary region) is available. */
export async function verifyClusterPointInTime(state: FailoverState, deps: StepDeps): Promise<VerifyRecord> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const recovery = required(state.recovery, 'recovery');
  const endpoint = required(recovery.endpoint, 'recovery.endpoint');
  const { db } = clusterOf(deps.catalog, plan.database);
  const checks = await verifyPointers(deps, db, recovery.instanceIdentifier, endpoint, deps.clients.rdsPrimary);
  throwUnlessVerified(checks);
  return { startedAt, endedAt: deps.clock.now().toISOString(), checks };
}
