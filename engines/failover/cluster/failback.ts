/**
 * The failback runbook's steps for an Aurora cluster on a Global Database: after a failover the old primary
 * cluster rejoins the global database as a secondary once its region is back (Aurora does that itself after a
 * global failover; a switchover makes it one at once), so failing back is a switchover to it: no replica is
 * built. A detached secondary (after detach-and-promote) is failed back by building a new global database and a
 * new secondary in the primary region first (`failback-rebuild.ts`), then switching over to that secondary. The
 * write freeze, repoint, verification, unfreeze and evidence are the instances' steps.
 */
import { SwitchoverGlobalClusterCommand } from '@aws-sdk/client-rds';
import { EVENT_WAIT_SAFETY_NET_SECONDS, messageOf, nextWaitSeconds, secretJson } from '../aws-helpers';
import { Errors, StepError } from '../catalog';
import type { StepDeps } from '../clients';
import { required } from '../failover-steps/required';
import { planChecks, planDecision } from '../plan-checks';
import { failbackPlanSteps } from '../failback-steps/preflight';
import { waitStarted } from '../failback-steps/replica-wait';
import type { FailbackPlan, FailbackState } from '../failback-steps/state';
import {
  changingWriter,
  clusterOf,
  describeGlobalCluster,
  findCluster,
  memberOf,
  writerEndpoint,
} from './aws-clusters';
import { detachedSecondary, rebuildCheckReplica, rebuildCreateReplica, rebuildPreflight } from './failback-rebuild';

type Step<K extends keyof FailbackState> = (
  state: FailbackState,
  deps: StepDeps,
) => Promise<NonNullable<FailbackState[K]>>;

/** Read-only: which member writes now, whether the old primary is back as a secondary, what the switch will do. */
export async function clusterFailbackPreflight(state: FailbackState, deps: StepDeps): Promise<FailbackPlan> {
  const startedAt = deps.clock.now().toISOString();
  const { catalog, clients } = deps;
  const { db, cluster } = clusterOf(catalog, state.input.database);
  const { checks, blockers, check } = planChecks();
  const primaryId = cluster.primaryClusterIdentifier;
  let current = { identifier: '(none)', arn: '(none)', status: 'missing' };
  let originalPrimary = { identifier: primaryId, status: 'unreachable' };
  let rejoined = false;
  const detached = await detachedSecondary(deps, cluster).catch(() => undefined);
  if (detached) return rebuildPreflight(state, deps, detached);
  if (!cluster.globalClusterIdentifier || !cluster.secondaryClusterIdentifier) {
    check(
      'global-database',
      false,
      `${db.name} has no Aurora Global Database: rebuild its primary-region cluster from the restored one by hand ` +
        '(docs/aurora.md); the runbook fails back global databases only',
    );
  } else {
    try {
      const global = await describeGlobalCluster(clients.rdsRecovery, cluster.globalClusterIdentifier);
      const writer = global.GlobalClusterMembers?.find((m) => m.IsWriter);
      const secondary = memberOf(global, catalog.recoveryRegion, cluster.secondaryClusterIdentifier);
      const old = memberOf(global, catalog.primaryRegion, primaryId);
      rejoined = old !== undefined;
      if (!secondary)
        check(
          'secondary',
          false,
          `${cluster.secondaryClusterIdentifier} is no longer in ${cluster.globalClusterIdentifier} and is not a ` +
            'standalone cluster that writes (it is missing or being detached): fail back once it writes alone',
        );
      const writerId = writer?.DBClusterArn?.split(':')[6] ?? '(none)';
      const writerRegion = writer?.DBClusterArn?.split(':')[3];
      const writerCluster = writerRegion
        ? await findCluster(writerRegion === catalog.primaryRegion ? clients.rdsPrimary : clients.rdsRecovery, writerId)
        : undefined;
      current = {
        identifier: writerId,
        arn: writer?.DBClusterArn ?? '(none)',
        status: writerCluster?.Status ?? 'missing',
      };
      const secret = await secretJson(clients.secrets, db.repoint.secretArn);
      // Clients on the global writer endpoint reach whichever cluster writes through it.
      const servedHost = cluster.clientsUseGlobalWriterEndpoint ? global.Endpoint : writerCluster?.Endpoint;
      const serves = servedHost !== undefined && servedHost === secret.host;
      // An earlier run repoints as soon as it has started the switchover back: while that switch runs, the
      // pointers already name the primary cluster. The run resumes there (its promote finds the switch started).
      const switchingBack =
        !serves && old !== undefined && changingWriter(global)
          ? (await findCluster(clients.rdsPrimary, primaryId))?.Endpoint === secret.host
          : false;
      check(
        'current-primary',
        writer !== undefined && (writer === secondary || writer === old) && (serves || switchingBack),
        writer
          ? `${writerId} writes in ${writerRegion}` +
              (serves
                ? ` and serves ${String(secret.host)}`
                : switchingBack
                  ? `; the switchover back to ${primaryId} is under way and the secret already names it (an earlier run repointed): resumed`
                  : `, but the secret's host is ${String(secret.host)}`)
          : `${cluster.globalClusterIdentifier} has no writer: was there a failover?`,
      );
      if (changingWriter(global))
        checks.push({ name: 'switch', ok: true, detail: `a switch is under way (${global.FailoverState?.Status})` });
      check(
        'old-primary-rejoined',
        rejoined,
        rejoined
          ? `${primaryId} is back in ${cluster.globalClusterIdentifier} as ${old?.IsWriter ? 'the writer' : 'a secondary'}`
          : `${primaryId} has not rejoined ${cluster.globalClusterIdentifier} as a secondary (Aurora adds it back once ` +
              `${catalog.primaryRegion} has recovered); fail back once it has`,
      );
    } catch (error) {
      check('global-database', false, messageOf(error));
    }
    try {
      const old = await findCluster(clients.rdsPrimary, primaryId);
      originalPrimary = { identifier: primaryId, status: old?.Status ?? 'not-found' };
      check(
        'primary-region',
        old?.Status === 'available',
        `${primaryId} is ${originalPrimary.status} in ${catalog.primaryRegion}`,
      );
    } catch (error) {
      check('primary-region', false, `RDS in ${catalog.primaryRegion} does not answer (${messageOf(error)})`);
    }
  }
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    database: db.name,
    currentPrimary: current,
    replicaIdentifier: primaryId,
    replicaExists: rejoined,
    originalPrimary,
    expectedFreezeSeconds: 120,
    expectedDurationSeconds: 120,
    checks,
    blockers,
    decision: planDecision(blockers, state.input.dryRun),
    steps: failbackPlanSteps(catalog, db, {
      createReplica: `${primaryId} is the global database's secondary again (nothing is built)`,
      waitReplica: `wait until ${primaryId} is available`,
      catchUp: 'the switchover itself waits until the secondary has every write',
      promote: `switch ${cluster.globalClusterIdentifier ?? 'the global database'} over to ${primaryId}`,
      ...(cluster.clientsUseGlobalWriterEndpoint
        ? { repoint: 'none: the record, parameter and secret name the global writer endpoint, which AWS moves back' }
        : {}),
    }),
  };
}

/** Nothing to build: the old primary must be a member again (preflight blocks otherwise; checked once more). */
export const clusterCreateReplica: Step<'replica'> = async (state, deps) => {
  if (state.plan?.rebuild) return rebuildCreateReplica(state, deps);
  const startedAt = deps.clock.now().toISOString();
  const { cluster } = clusterOf(deps.catalog, state.input.database);
  const globalId = required(cluster.globalClusterIdentifier, 'cluster.globalClusterIdentifier');
  const global = await describeGlobalCluster(deps.clients.rdsRecovery, globalId);
  if (!memberOf(global, deps.catalog.primaryRegion, cluster.primaryClusterIdentifier))
    throw new StepError(Errors.stepFailed, `${cluster.primaryClusterIdentifier} is not a member of ${globalId}`);
  // Nothing was built: the look that ends the wait can come at once.
  return {
    ...waitStarted(deps, startedAt, 'already-done', 1),
    detail: `${cluster.primaryClusterIdentifier} is a member of ${globalId}`,
  };
};

export const clusterCheckReplica: Step<'replica'> = async (state, deps) => {
  if (state.plan?.rebuild) return rebuildCheckReplica(state, deps);
  const replica = required(state.replica, 'replica');
  const plan = required(state.plan, 'plan');
  const found = await findCluster(deps.clients.rdsPrimary, plan.replicaIdentifier);
  const polls = replica.polls + 1;
  if (found?.Status !== 'available')
    return {
      ...replica,
      polls,
      waitSeconds: nextWaitSeconds(polls),
      detail: `${plan.replicaIdentifier} is ${found?.Status ?? 'missing'}`,
    };
  const at = deps.clock.now().toISOString();
  return { ...replica, polls, status: 'available', availableAt: at, detail: `${plan.replicaIdentifier} is available` };
};

/** A switchover synchronizes the target before it takes writes (zero data loss): nothing to wait for here. */
export const clusterCheckCaughtUp: Step<'catchUp'> = async (state, deps) => ({
  polls: state.catchUp?.polls ?? 0,
  waitSeconds: nextWaitSeconds(0),
  lagSeconds: null,
  zeroLagPolls: 0,
  caughtUp: true,
  caughtUpAt: deps.clock.now().toISOString(),
});

/**
 * The global database switched back and the primary-region cluster it switches to: the configured ones, or for a
 * detached secondary the global database and secondary the failback built.
 */
function switchBackTarget(state: FailbackState, deps: StepDeps): { globalId: string; target: string } {
  const { cluster } = clusterOf(deps.catalog, state.input.database);
  const rebuild = state.plan?.rebuild;
  if (rebuild)
    return { globalId: rebuild.globalClusterIdentifier, target: required(state.plan, 'plan').replicaIdentifier };
  return {
    globalId: required(cluster.globalClusterIdentifier, 'cluster.globalClusterIdentifier'),
    target: cluster.primaryClusterIdentifier,
  };
}

export const clusterPromote: Step<'promotion'> = async (state, deps) => {
  const startedAt = deps.clock.now().toISOString();
  const { globalId, target } = switchBackTarget(state, deps);
  const global = await describeGlobalCluster(deps.clients.rdsRecovery, globalId);
  const member = memberOf(global, deps.catalog.primaryRegion, target);
  if (!member?.DBClusterArn) throw new StepError(Errors.stepFailed, `${target} is not a member of ${globalId}`);
  // The cluster endpoint of the switchover's target stays its own: the repoint that follows at once names it.
  const endpoint = writerEndpoint(await findCluster(deps.clients.rdsPrimary, target));
  if (!endpoint) throw new StepError(Errors.stepFailed, `${target} reports no cluster endpoint to repoint clients at`);
  const alreadyDone = member.IsWriter === true || changingWriter(global);
  if (!alreadyDone)
    await deps.clients.rdsRecovery.send(
      new SwitchoverGlobalClusterCommand({
        GlobalClusterIdentifier: globalId,
        TargetDbClusterIdentifier: member.DBClusterArn,
      }),
    );
  // The new writer's global-failover event (forwarded from the primary region) ends the wait; 60 s safety net.
  return { ...waitStarted(deps, startedAt, alreadyDone ? 'already-done' : 'done'), endpoint };
};

export const clusterCheckPromoted: Step<'promotion'> = async (state, deps) => {
  const promotion = required(state.promotion, 'promotion');
  const { globalId, target } = switchBackTarget(state, deps);
  const global = await describeGlobalCluster(deps.clients.rdsRecovery, globalId);
  const member = memberOf(global, deps.catalog.primaryRegion, target);
  const polls = promotion.polls + 1;
  const found =
    member?.IsWriter && !changingWriter(global) ? await findCluster(deps.clients.rdsPrimary, target) : undefined;
  const endpoint = writerEndpoint(found);
  if (found?.Status !== 'available' || !endpoint)
    return { ...promotion, polls, waitSeconds: EVENT_WAIT_SAFETY_NET_SECONDS };
  return { ...promotion, polls, status: 'available', availableAt: deps.clock.now().toISOString(), endpoint };
};

/** The cluster versions of the failback steps that differ from the instances'. */
export const clusterFailbackSteps = {
  preflight: clusterFailbackPreflight,
  createReplica: clusterCreateReplica,
  checkReplica: clusterCheckReplica,
  checkCaughtUp: clusterCheckCaughtUp,
  promote: clusterPromote,
  checkPromoted: clusterCheckPromoted,
} as const;
