/**
 * The failback of a detached secondary (after detach-and-promote). The detached cluster writes alone in the
 * recovery region; the old primary cluster, back with its region, still holds the data it had at the detach and
 * still writes in the old global database. Aurora adds only a new, empty cluster to a global database as a
 * secondary, so the old primary cannot join: the failback builds the way back beside it.
 *
 * 1. `CreateGlobalCluster` with the detached cluster as its source (`<global>-fb`, tagged with the execution);
 * 2. `CreateDBCluster` of a new secondary in the primary region in it, named like the failback instance of an RDS
 *    database (`<primary>-fb`), on the old primary's subnet group, security groups, parameter group and key, tagged;
 * 3. its one instance (same identifier), created right after the cluster, without waiting for it; one wait for
 *    both; then the switchover back, repoint, verification and evidence that every cluster failback runs.
 *
 * The old primary cluster and the old global database are never changed or deleted: the plan and the evidence
 * name them for the operator. Every step looks before it creates, so a resumed run creates each thing once.
 */
import {
  CreateDBClusterCommand,
  CreateGlobalClusterCommand,
  type DBCluster,
  type GlobalCluster,
} from '@aws-sdk/client-rds';
import {
  EVENT_WAIT_SAFETY_NET_SECONDS,
  findInstance,
  messageOf,
  NO_EVENT_POLL_SECONDS,
  secretJson,
} from '../aws-helpers';
import { Errors, StepError, type CatalogCluster, type CatalogDatabase } from '../catalog';
import type { StepDeps } from '../clients';
import { required } from '../failover-steps/required';
import { failoverTags } from '../failover-steps/recovery';
import { planChecks, planDecision } from '../plan-checks';
import { failbackPlanSteps } from '../failback-steps/preflight';
import { waitStarted } from '../failback-steps/replica-wait';
import type { FailbackPlan, FailbackState } from '../failback-steps/state';
import { clusterOf, createWriterInstance, findCluster, findGlobalCluster } from './aws-clusters';
import { hasWriter } from './detach';
import { rebuiltGlobalIdentifier } from './rebuild-names';

type Replica = NonNullable<FailbackState['replica']>;

/** The global database a detached secondary's failback creates. */
function rebuiltGlobal(cluster: Pick<CatalogCluster, 'globalClusterIdentifier'>): string {
  return rebuiltGlobalIdentifier(required(cluster.globalClusterIdentifier, 'cluster.globalClusterIdentifier'));
}

/** A cluster this database's failback created (it carries the tags every runbook creates with). */
function createdByFailback(found: DBCluster, db: Pick<CatalogDatabase, 'name'>): boolean {
  const tags = new Map((found.TagList ?? []).map((t) => [t.Key, t.Value]));
  return tags.get('rxdr:database') === db.name && tags.has('rxdr:failover-execution');
}

/**
 * The configured secondary when it has been detached (a standalone cluster) or is already in the global database
 * an earlier failback run created from it; undefined while it is still in its own global database or is missing.
 */
export async function detachedSecondary(deps: StepDeps, cluster: CatalogCluster): Promise<DBCluster | undefined> {
  if (!cluster.globalClusterIdentifier || !cluster.secondaryClusterIdentifier) return undefined;
  const found = await findCluster(deps.clients.rdsRecovery, cluster.secondaryClusterIdentifier);
  const global = found?.GlobalClusterIdentifier;
  return found && (!global || global === rebuiltGlobal(cluster)) ? found : undefined;
}

/** Members of `global` other than the detached cluster and the new secondary: a global database not ours. */
function foreignMembers(global: GlobalCluster | undefined, ours: readonly string[]): string[] {
  return (global?.GlobalClusterMembers ?? [])
    .map((m) => m.DBClusterArn?.split(':')[6] ?? '(unknown)')
    .filter((id) => !ours.includes(id));
}

/** Read-only: the detached cluster writes, the primary region answers, nothing in the way of what is built. */
export async function rebuildPreflight(
  state: FailbackState,
  deps: StepDeps,
  detached: DBCluster,
): Promise<FailbackPlan> {
  const startedAt = deps.clock.now().toISOString();
  const { catalog, clients } = deps;
  const { db, cluster } = clusterOf(catalog, state.input.database);
  const { checks, blockers, check } = planChecks();
  const source = required(cluster.secondaryClusterIdentifier, 'cluster.secondaryClusterIdentifier');
  const oldGlobal = required(cluster.globalClusterIdentifier, 'cluster.globalClusterIdentifier');
  const globalId = rebuiltGlobal(cluster);
  const target = db.failbackInstanceIdentifier;
  const primaryId = cluster.primaryClusterIdentifier;
  const rebuilt = await findGlobalCluster(clients.rdsRecovery, globalId);
  // A run that died after the switchover finds the new secondary writing, the detached cluster its secondary.
  const switched = rebuilt?.GlobalClusterMembers?.some((m) => m.IsWriter && m.DBClusterArn?.endsWith(`:${target}`));
  const writes = hasWriter(detached) ? ' and writes' : switched ? `; ${target} writes (resumed)` : ', nothing writes';
  check(
    'detached-secondary',
    detached.Status === 'available' && (hasWriter(detached) || switched === true),
    `${source} is ${detached.Status}${writes} in ${catalog.recoveryRegion}` +
      `${detached.GlobalClusterIdentifier ? ` (in ${globalId}: a resumed run)` : ''}`,
  );
  const foreign = foreignMembers(rebuilt, [source, target]);
  check(
    'new-global-database',
    foreign.length === 0,
    foreign.length > 0
      ? `${globalId} exists and holds ${foreign.join(', ')}: not a global database this failback built`
      : rebuilt
        ? `${globalId} exists (an earlier run built it): resumed`
        : `${globalId} does not exist yet: it is created from ${source}`,
  );
  let originalPrimary = { identifier: primaryId, status: 'unreachable' };
  let built: DBCluster | undefined;
  try {
    const old = await findCluster(clients.rdsPrimary, primaryId);
    built = await findCluster(clients.rdsPrimary, target);
    originalPrimary = { identifier: primaryId, status: old?.Status ?? 'not-found' };
    check(
      'primary-region',
      old !== undefined,
      old
        ? `RDS in ${catalog.primaryRegion} answers; ${primaryId} is ${old.Status} (its network and key are reused)`
        : `${primaryId} is not in ${catalog.primaryRegion}: the new secondary takes its subnet group, security ` +
            'groups, parameter group and key from it',
    );
    if (built)
      check(
        'new-secondary',
        createdByFailback(built, db),
        createdByFailback(built, db)
          ? `${target} exists (an earlier run created it): resumed`
          : `${target} exists in ${catalog.primaryRegion} and was not created by a failback of ${db.name}: ` +
              'rename or remove it, the runbook never touches it',
      );
  } catch (error) {
    check('primary-region', false, `RDS in ${catalog.primaryRegion} does not answer (${messageOf(error)})`);
  }
  const secret = await secretJson(clients.secrets, db.repoint.secretArn);
  const served = [detached.Endpoint, built?.Endpoint].filter((h) => h !== undefined);
  check(
    'current-primary',
    served.includes(String(secret.host)),
    `the secret's host is ${String(secret.host)}` +
      (served.includes(String(secret.host)) ? '' : `, not ${source}'s endpoint: repoint clients first`),
  );
  const leftForOperator = [`${primaryId} (${catalog.primaryRegion})`, oldGlobal];
  checks.push({
    name: 'left-for-operator',
    ok: true,
    detail:
      `${primaryId} keeps the data it had at the detach and may still take writes in ${oldGlobal}: ` +
      'the runbook never changes or deletes them; keep clients off it and delete it (and its global database) ' +
      'once nothing needs its data',
  });
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    database: db.name,
    currentPrimary: {
      identifier: source,
      arn: detached.DBClusterArn ?? '(none)',
      status: detached.Status ?? 'unknown',
    },
    replicaIdentifier: target,
    replicaExists: built !== undefined,
    originalPrimary,
    expectedFreezeSeconds: 120,
    // A global database from a cluster, a secondary cluster and its instance, then the switchover.
    expectedDurationSeconds: 2700,
    checks,
    blockers,
    decision: planDecision(blockers, state.input.dryRun),
    steps: failbackPlanSteps(catalog, db, {
      createReplica: `create the global database ${globalId} from ${source} (CreateGlobalCluster)`,
      waitReplica:
        `once ${globalId} is available, create the secondary cluster ${target} in ${catalog.primaryRegion} in it ` +
        `and at once its instance (one wait for both), tagged with the execution; ${primaryId} is left untouched`,
      catchUp: 'the switchover itself waits until the secondary has every write',
      promote: `switch ${globalId} over to ${target}`,
      repoint: `point the record, parameter and secret at ${target}'s cluster endpoint`,
    }),
    rebuild: { globalClusterIdentifier: globalId, sourceClusterIdentifier: source, leftForOperator },
  };
}

/** Create the new global database from the detached cluster, unless an earlier run did. */
export async function rebuildCreateReplica(state: FailbackState, deps: StepDeps): Promise<Replica> {
  const startedAt = deps.clock.now().toISOString();
  const { db } = clusterOf(deps.catalog, state.input.database);
  const rebuild = required(required(state.plan, 'plan').rebuild, 'plan.rebuild');
  const { globalClusterIdentifier: globalId, sourceClusterIdentifier: sourceId } = rebuild;
  const rds = deps.clients.rdsRecovery;
  if (await findGlobalCluster(rds, globalId))
    return {
      ...waitStarted(deps, startedAt, 'already-done', NO_EVENT_POLL_SECONDS),
      detail: `${globalId} exists: not creating it again`,
    };
  const source = await findCluster(rds, sourceId);
  if (!source?.DBClusterArn)
    throw new StepError(Errors.stepFailed, `${sourceId} is not in ${deps.catalog.recoveryRegion}`);
  if (source.GlobalClusterIdentifier)
    throw new StepError(
      Errors.stepFailed,
      `${sourceId} is in ${source.GlobalClusterIdentifier}: not creating ${globalId}`,
    );
  await rds.send(
    new CreateGlobalClusterCommand({
      GlobalClusterIdentifier: globalId,
      SourceDBClusterIdentifier: source.DBClusterArn,
      DeletionProtection: true,
      Tags: failoverTags(state, db),
    }),
  );
  // RDS documents no event for a global database's creation: the wait looks every few seconds.
  return {
    ...waitStarted(deps, startedAt, 'done', NO_EVENT_POLL_SECONDS),
    detail: `${globalId} created from ${sourceId}`,
  };
}

/**
 * One look at what the failback builds, adding what is missing: once the new global database is available, the
 * secondary cluster and at once its instance (each created once), then waiting until both are available.
 */
export async function rebuildCheckReplica(state: FailbackState, deps: StepDeps): Promise<Replica> {
  const replica = required(state.replica, 'replica');
  const plan = required(state.plan, 'plan');
  const globalId = required(plan.rebuild, 'plan.rebuild').globalClusterIdentifier;
  const { db, cluster } = clusterOf(deps.catalog, state.input.database);
  const polls = replica.polls + 1;
  const pending = (detail: string, waitSeconds = EVENT_WAIT_SAFETY_NET_SECONDS): Replica => ({
    ...replica,
    polls,
    waitSeconds,
    detail,
  });
  const global = await findGlobalCluster(deps.clients.rdsRecovery, globalId);
  if (!global) throw new StepError(Errors.stepFailed, `${globalId} disappeared while the failback built it`);
  if (global.Status !== 'available') return pending(`${globalId} is ${global.Status}`, NO_EVENT_POLL_SECONDS);
  const rds = deps.clients.rdsPrimary;
  const target = plan.replicaIdentifier;
  const found = await findCluster(rds, target);
  if (!found) await rds.send(new CreateDBClusterCommand(await secondarySpec(state, deps, cluster, global)));
  else if (!createdByFailback(found, db))
    throw new StepError(Errors.stepFailed, `${target} was not created by a failback of ${db.name}: not using it`);
  const clusterStatus = found?.Status ?? 'being created';
  // RDS takes the instance while its cluster is still being created (AWS's own steps for adding a Region to a
  // global database call create-db-cluster and create-db-instance back to back: Aurora User Guide, "Adding an AWS
  // Region to an Amazon Aurora global database", AWS CLI), so the cluster's creation is not waited for on its own:
  // the instance's `creation` event ends the one wait.
  const instance = await findInstance(rds, target);
  if (!instance) {
    await createWriterInstance(rds, target, target, db, state);
    return pending(`${target} is ${clusterStatus} in ${globalId}; its instance ${target} is being created`);
  }
  if (found?.Status !== 'available' || instance.DBInstanceStatus !== 'available')
    return pending(`${target} is ${clusterStatus}; its instance is ${instance.DBInstanceStatus}`);
  const at = deps.clock.now().toISOString();
  return { ...replica, polls, status: 'available', availableAt: at, detail: `${target} is a secondary of ${globalId}` };
}

/** The new secondary: the old primary's network, parameters and key, the global database's engine version. */
async function secondarySpec(state: FailbackState, deps: StepDeps, cluster: CatalogCluster, global: GlobalCluster) {
  const { db } = clusterOf(deps.catalog, state.input.database);
  const old = await findCluster(deps.clients.rdsPrimary, cluster.primaryClusterIdentifier);
  if (!old)
    throw new StepError(
      Errors.stepFailed,
      `${cluster.primaryClusterIdentifier} is gone from ${deps.catalog.primaryRegion}: its network is the new secondary's`,
    );
  return {
    DBClusterIdentifier: required(state.plan, 'plan').replicaIdentifier,
    GlobalClusterIdentifier: global.GlobalClusterIdentifier,
    Engine: 'aurora-postgresql',
    EngineVersion: global.EngineVersion ?? old.EngineVersion,
    DBSubnetGroupName: old.DBSubnetGroup,
    VpcSecurityGroupIds: (old.VpcSecurityGroups ?? []).flatMap((g) =>
      g.VpcSecurityGroupId ? [g.VpcSecurityGroupId] : [],
    ),
    DBClusterParameterGroupName: old.DBClusterParameterGroup,
    KmsKeyId: old.KmsKeyId ?? deps.catalog.primaryKeyArn,
    StorageEncrypted: true,
    DeletionProtection: true,
    EnableIAMDatabaseAuthentication: old.IAMDatabaseAuthenticationEnabled ?? true,
    CopyTagsToSnapshot: true,
    Tags: failoverTags(state, db),
  };
}
