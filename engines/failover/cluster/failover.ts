/**
 * The failover runbook's steps for an Aurora PostgreSQL cluster: the same phases, plan and state as for
 * instances (`failover-steps/`), with the cluster's recovery. A global database switches over (planned, no
 * data loss) or fails over with `AllowDataLoss` (primary region down) to its recovery-region secondary, or that
 * secondary is detached from it (`detach.ts`); a cluster without one is restored from the newest recovery point in
 * the recovery vault, plus one instance.
 */
import { FailoverGlobalClusterCommand, SwitchoverGlobalClusterCommand } from '@aws-sdk/client-rds';
import { messageOf, NO_EVENT_POLL_SECONDS } from '../aws-helpers';
import { Errors, StepError, type CatalogCluster, type Strategy } from '../catalog';
import type { StepDeps } from '../clients';
import type { FailoverState, Plan } from '../failover-steps/state';
import type { RecoveryRecord } from '../provider';
import { failoverPlan, primaryHealth } from '../failover-steps/failover-plan';
import { recoveryLook, recoveryStarted } from '../failover-steps/recovery';
import { networkCheck } from '../failover-steps/recovery-network';
import { latestBackupSource } from '../failover-steps/recovery-point';
import { notVisibleYet, startRestoreJob } from '../failover-steps/restore-job';
import { planChecks } from '../plan-checks';
import { required } from '../failover-steps/required';
import {
  changingWriter,
  clusterOf,
  describeGlobalCluster,
  findCluster,
  globalLagSeconds,
  memberOf,
  writerEndpoint,
  writerInstancePending,
} from './aws-clusters';
import { detachPending, detachPreflight, startDetach } from './detach';
import { globalWriterEndpointPreflight } from './global-writer-endpoint';

const GLOBAL_STRATEGIES: readonly Strategy[] = ['global-switchover', 'global-failover'];
/**
 * The instance a restored cluster gets (a restore job creates a cluster without instances). It shares the cluster's
 * identifier, as a drill's does, so that the RDS events of either end the recovery wait keyed on that identifier.
 */
export const recoveredWriter = (cluster: CatalogCluster) => cluster.recoveredClusterIdentifier;
const FAILED_STATUSES = ['failed', 'inaccessible-encryption-credentials', 'incompatible-restore', 'storage-full'];

/** Read-only, like the instances' preflight: primary health, the source and its data-loss window, access. */
export async function clusterPreflight(state: FailoverState, deps: StepDeps): Promise<Plan> {
  const startedAt = deps.clock.now();
  const { catalog, clients } = deps;
  const { input } = state;
  const { db, cluster } = clusterOf(catalog, input.database);
  const strategy = input.strategy ?? db.defaultStrategy;
  const { checks, blockers, check } = planChecks();
  const warnings: string[] = [];
  const primaryId = cluster.primaryClusterIdentifier;
  const primary = await primaryHealth(
    primaryId,
    catalog.primaryRegion,
    async () => (await findCluster(clients.rdsPrimary, primaryId))?.Status,
    'primary cluster',
  );
  const planned = strategy === 'global-switchover';
  // A switchover needs the primary region up; every other strategy is for when it is not.
  checks.push({ name: 'primary', ok: planned ? primary.healthy : !primary.healthy, detail: primary.detail });

  const now = deps.clock.now();
  let source: Plan['source'];
  let expectedDataLossSeconds: number | null = null;
  let target = cluster.recoveredClusterIdentifier;
  let recoveryAlreadyStarted = false;

  if (GLOBAL_STRATEGIES.includes(strategy)) {
    if (!cluster.globalClusterIdentifier || !cluster.secondaryClusterIdentifier) {
      check('global-database', false, `${db.name} has no Aurora Global Database (tier ${db.tier}); use latest-backup`);
    } else {
      target = cluster.secondaryClusterIdentifier;
      try {
        const global = await describeGlobalCluster(clients.rdsRecovery, cluster.globalClusterIdentifier);
        const member = memberOf(global, catalog.recoveryRegion, target);
        const secondary = await findCluster(clients.rdsRecovery, target);
        if (!member || !secondary) {
          check(
            'secondary',
            false,
            `${target} is not a member of ${cluster.globalClusterIdentifier} in ${catalog.recoveryRegion}`,
          );
        } else if (member.IsWriter || changingWriter(global)) {
          recoveryAlreadyStarted = true;
          const doing = member.IsWriter
            ? 'already the writer'
            : `being made the writer (${global.FailoverState?.Status})`;
          check('secondary', true, `${target} is ${doing}: a resumed run continues from there`);
          source = { kind: 'replica', id: member.DBClusterArn ?? target, recoveryPointTime: now.toISOString() };
        } else {
          const lag = await globalLagSeconds(clients.cloudwatch, target, now);
          expectedDataLossSeconds = planned ? 0 : (lag ?? null);
          const instances = secondary.DBClusterMembers?.length ?? 0;
          const lagText = lag === undefined ? 'unknown (no datapoint in 10 min)' : `${lag} s`;
          check(
            'secondary',
            secondary.Status === 'available' && instances > 0,
            `${target} is ${secondary.Status} with ${instances} instance(s), replication lag ${lagText}`,
          );
          const lost = planned ? 0 : (lag ?? 0);
          const recoveryPointTime = new Date(now.getTime() - lost * 1000).toISOString();
          source = { kind: 'replica', id: member.DBClusterArn ?? target, recoveryPointTime };
        }
      } catch (error) {
        check('global-database', false, messageOf(error));
      }
      if (planned && !primary.healthy && !recoveryAlreadyStarted)
        check('primary', false, `a switchover needs the primary region: ${primary.detail}; use global-failover`);
    }
  } else if (strategy === 'detach-and-promote') {
    const detach = await detachPreflight(deps, db, cluster, check, warnings);
    ({ target, source, expectedDataLossSeconds, recoveryAlreadyStarted } = detach);
  } else if (strategy === 'latest-backup') {
    const existing = await findCluster(clients.rdsRecovery, target);
    if (existing) {
      recoveryAlreadyStarted = true;
      check('target', true, `${target} already exists (${existing.Status}): a resumed run waits for it`);
    }
    ({ source, expectedDataLossSeconds } = await latestBackupSource(
      deps,
      db,
      {
        resource: { type: 'Aurora', arnSuffix: `:cluster:${primaryId}` },
        targetExists: existing !== undefined,
        missing: `no completed recovery point of ${primaryId} in ${catalog.recoveryVaultName}`,
        now,
      },
      check,
    ));
    if (!existing) await networkCheck(deps, db, check);
  } else {
    const global = 'global-failover or global-switchover (or detach-and-promote)';
    check(
      'strategy',
      false,
      `${strategy} is for RDS instances: an Aurora cluster fails over with ` +
        `${cluster.globalClusterIdentifier ? global : 'latest-backup'}`,
    );
  }
  await globalWriterEndpointPreflight(deps, db, strategy, check, warnings);
  const refused = !planned && primary.healthy && !input.force;
  const found = {
    startedAt,
    input,
    strategy,
    primary,
    source,
    target,
    recoveryAlreadyStarted,
    expectedDataLossSeconds,
  };
  return failoverPlan(deps, db, { ...found, checks, blockers, warnings, refused }, check);
}

/** The strategy's one destructive call, made only when what the account shows says it has not been made. */
export async function startClusterRecovery(state: FailoverState, deps: StepDeps): Promise<RecoveryRecord> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const { db, cluster } = clusterOf(deps.catalog, plan.database);
  const rds = deps.clients.rdsRecovery;
  const target = plan.targetInstanceIdentifier;
  let outcome: 'done' | 'already-done' = 'done';
  let restoreJobId: string | undefined;
  let detail: string;

  if (GLOBAL_STRATEGIES.includes(plan.strategy)) {
    const globalId = required(cluster.globalClusterIdentifier, 'cluster.globalClusterIdentifier');
    const global = await describeGlobalCluster(rds, globalId);
    const member = memberOf(global, deps.catalog.recoveryRegion, target);
    if (!member?.DBClusterArn) throw new StepError(Errors.stepFailed, `${target} is no longer a member of ${globalId}`);
    if (member.IsWriter || changingWriter(global)) {
      outcome = 'already-done';
      detail = `${target} is ${member.IsWriter ? 'already the writer' : `being made the writer (${global.FailoverState?.Status})`}`;
    } else if (plan.strategy === 'global-switchover') {
      await rds.send(
        new SwitchoverGlobalClusterCommand({
          GlobalClusterIdentifier: globalId,
          TargetDbClusterIdentifier: member.DBClusterArn,
        }),
      );
      detail = `switchover of ${globalId} to ${target} started`;
    } else {
      await rds.send(
        new FailoverGlobalClusterCommand({
          GlobalClusterIdentifier: globalId,
          TargetDbClusterIdentifier: member.DBClusterArn,
          AllowDataLoss: true,
        }),
      );
      detail = `failover of ${globalId} to ${target} started (data loss allowed: the primary region is down)`;
    }
  } else if (plan.strategy === 'detach-and-promote') {
    ({ outcome, detail } = await startDetach(deps, cluster, target));
  } else {
    const existing = await findCluster(rds, target);
    if (existing) {
      outcome = 'already-done';
      detail = `${target} already exists (${existing.Status}): not restoring again`;
    } else {
      ({ restoreJobId, detail } = await startRestoreJob(deps, db, plan, {
        type: 'Aurora',
        label: `cluster ${target}`,
        metadata: {
          DBClusterIdentifier: target,
          Engine: 'aurora-postgresql',
          DeletionProtection: 'true',
          CopyTagsToSnapshot: 'true',
          KmsKeyId: deps.catalog.recoveryKeyArn,
        },
      }));
    }
  }
  // No event ends a detach: its wait looks every few seconds instead of waiting for the safety net.
  const waitSeconds = plan.strategy === 'detach-and-promote' ? NO_EVENT_POLL_SECONDS : undefined;
  return recoveryStarted(deps, startedAt, { instanceIdentifier: target, outcome, restoreJobId, detail, waitSeconds });
}

/**
 * One look at the recovering cluster. A global database is done when the target is its writer and no switch is
 * under way; a restored cluster gets its one instance here (once: it is looked up first) and is done when both
 * are available.
 */
export async function checkClusterRecovery(state: FailoverState, deps: StepDeps): Promise<RecoveryRecord> {
  const recovery = required(state.recovery, 'recovery');
  const plan = required(state.plan, 'plan');
  const { db, cluster } = clusterOf(deps.catalog, plan.database);
  const rds = deps.clients.rdsRecovery;
  const { pending, available } = recoveryLook(recovery, deps);
  const id = recovery.instanceIdentifier;
  const found = await findCluster(rds, id);
  if (found && FAILED_STATUSES.includes(found.Status ?? ''))
    throw new StepError(Errors.stepFailed, `${id} is ${found.Status}: it cannot become the primary`);

  if (GLOBAL_STRATEGIES.includes(plan.strategy)) {
    const globalId = required(cluster.globalClusterIdentifier, 'cluster.globalClusterIdentifier');
    const global = await describeGlobalCluster(rds, globalId);
    const member = memberOf(global, deps.catalog.recoveryRegion, id);
    if (!member?.IsWriter || changingWriter(global))
      return pending(`${id} is not the writer yet (${global.FailoverState?.Status ?? global.Status ?? 'unknown'})`);
  } else if (plan.strategy === 'detach-and-promote') {
    const waiting = await detachPending(deps, cluster, id);
    if (waiting) return pending(waiting, NO_EVENT_POLL_SECONDS);
  } else if (!found) {
    return notVisibleYet(deps, recovery, pending);
  } else if (found.Status === 'available') {
    const waiting = await writerInstancePending(rds, id, recoveredWriter(cluster), db, state);
    if (waiting) return pending(waiting);
  }
  const endpoint = writerEndpoint(found);
  if (found?.Status !== 'available' || !endpoint) return pending(`${id} is ${found?.Status ?? 'not visible yet'}`);
  return available(`${id} is available and the writer`, endpoint);
}
