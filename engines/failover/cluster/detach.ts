/**
 * Detach-and-promote for an Aurora cluster on a Global Database: `RemoveFromGlobalCluster` on the recovery region's
 * secondary makes it a standalone cluster that takes writes. It is the way out when `FailoverGlobalCluster` cannot
 * be used (the call fails, the global database is broken); it ends that cluster's membership for good, so the
 * failback builds the way back (`failback-rebuild.ts`). What the account shows decides every step, so a resumed run detaches at most once.
 */
import { RemoveFromGlobalClusterCommand, type DBCluster } from '@aws-sdk/client-rds';
import { messageOf } from '../aws-helpers';
import { Errors, StepError, type CatalogCluster, type CatalogDatabase } from '../catalog';
import type { StepDeps } from '../clients';
import type { Plan } from '../failover-steps/state';
import { required } from '../failover-steps/required';
import { changingWriter, findCluster, findGlobalCluster, globalLagSeconds, memberOf } from './aws-clusters';

/** Where the configured secondary stands: still a member of the global database, being detached, or standalone. */
export type Standing =
  | { readonly kind: 'missing' }
  | {
      readonly kind: 'member';
      readonly arn: string;
      readonly cluster: DBCluster;
      readonly writer: boolean;
      /** A switchover or failover of the global database under way (its `FailoverState`). */
      readonly switching?: string;
    }
  | { readonly kind: 'detaching' | 'detached'; readonly cluster: DBCluster };

/**
 * The secondary's standing, from the global database's member list and the cluster itself: a cluster the global
 * database no longer lists but that still names one (`GlobalClusterIdentifier`) is still being detached.
 */
export async function secondaryStanding(deps: StepDeps, globalId: string, secondaryId: string): Promise<Standing> {
  const rds = deps.clients.rdsRecovery;
  const cluster = await findCluster(rds, secondaryId);
  if (!cluster) return { kind: 'missing' };
  const global = await findGlobalCluster(rds, globalId);
  const member = global && memberOf(global, deps.catalog.recoveryRegion, secondaryId);
  if (global && member?.DBClusterArn)
    return {
      kind: 'member',
      arn: member.DBClusterArn,
      cluster,
      writer: member.IsWriter === true,
      ...(changingWriter(global) ? { switching: global.FailoverState?.Status ?? 'unknown' } : {}),
    };
  return { kind: cluster.GlobalClusterIdentifier ? 'detaching' : 'detached', cluster };
}

/** The cluster has a writer instance (a secondary has none until it is detached and promoted). */
export const hasWriter = (cluster: DBCluster) =>
  cluster.DBClusterMembers?.some((m) => m.IsClusterWriter === true) === true;

export interface DetachPlan {
  readonly target: string;
  readonly source?: Plan['source'];
  readonly expectedDataLossSeconds: number | null;
  readonly recoveryAlreadyStarted: boolean;
}

/**
 * Preflight of detach-and-promote (read-only): refused without a global database or a secondary; the data-loss
 * window is the secondary's replication lag, as for a global failover; a secondary already detached is a resumed run.
 */
export async function detachPreflight(
  deps: StepDeps,
  db: CatalogDatabase,
  cluster: CatalogCluster,
  check: (name: string, ok: boolean, detail: string) => void,
  warnings: string[],
): Promise<DetachPlan> {
  const { catalog } = deps;
  const globalId = cluster.globalClusterIdentifier;
  const target = cluster.secondaryClusterIdentifier;
  const nothing = { expectedDataLossSeconds: null, recoveryAlreadyStarted: false };
  if (!globalId || !target) {
    check('global-database', false, `${db.name} has no Aurora Global Database (tier ${db.tier}): nothing to detach`);
    return { target: cluster.recoveredClusterIdentifier, ...nothing };
  }
  const now = deps.clock.now();
  let standing: Standing;
  try {
    standing = await secondaryStanding(deps, globalId, target);
  } catch (error) {
    check('global-database', false, messageOf(error));
    return { target, ...nothing };
  }
  if (standing.kind === 'missing') {
    check('secondary', false, `${target} does not exist in ${catalog.recoveryRegion}: there is no secondary to detach`);
    return { target, ...nothing };
  }
  const arn = standing.cluster.DBClusterArn ?? target;
  if (standing.kind !== 'member') {
    const where = standing.kind === 'detached' ? 'is a standalone cluster' : 'is being detached';
    check('secondary', true, `${target} ${where} (${standing.cluster.Status}): a resumed run continues from there`);
    return {
      target,
      source: { kind: 'replica', id: arn, recoveryPointTime: now.toISOString() },
      expectedDataLossSeconds: null,
      recoveryAlreadyStarted: true,
    };
  }
  if (standing.writer) {
    check('secondary', false, `${target} is the writer of ${globalId}: nothing to detach (resume the global failover)`);
    return { target, ...nothing };
  }
  if (standing.switching) {
    check('secondary', false, `${globalId} is being switched (${standing.switching}): detach once that has ended`);
    return { target, ...nothing };
  }
  const lag = await globalLagSeconds(deps.clients.cloudwatch, target, now);
  const instances = standing.cluster.DBClusterMembers?.length ?? 0;
  const lagText = lag === undefined ? 'unknown (no datapoint in 10 min)' : `${lag} s`;
  check(
    'secondary',
    standing.cluster.Status === 'available' && instances > 0,
    `${target} is ${standing.cluster.Status} with ${instances} instance(s), replication lag ${lagText}`,
  );
  warnings.push(
    `detaching takes ${target} out of ${globalId} for good: when ${catalog.primaryRegion} returns, ` +
      `${cluster.primaryClusterIdentifier} is still a writable primary; keep clients off it (the failback builds a new secondary beside it)`,
  );
  return {
    target,
    source: {
      kind: 'replica',
      id: standing.arn,
      recoveryPointTime: new Date(now.getTime() - (lag ?? 0) * 1000).toISOString(),
    },
    expectedDataLossSeconds: lag ?? null,
    recoveryAlreadyStarted: false,
  };
}

/** The one destructive call, made only while the secondary is still a plain member of the global database. */
export async function startDetach(
  deps: StepDeps,
  cluster: CatalogCluster,
  target: string,
): Promise<{ outcome: 'done' | 'already-done'; detail: string }> {
  const globalId = required(cluster.globalClusterIdentifier, 'cluster.globalClusterIdentifier');
  const standing = await secondaryStanding(deps, globalId, target);
  if (standing.kind === 'missing')
    throw new StepError(Errors.stepFailed, `${target} no longer exists in ${deps.catalog.recoveryRegion}`);
  if (standing.kind !== 'member')
    return { outcome: 'already-done', detail: `${target} is already out of ${globalId}: not detaching again` };
  if (standing.writer || standing.switching) {
    const what = standing.writer ? `the writer of ${globalId}` : `in a switch of ${globalId} (${standing.switching})`;
    throw new StepError(Errors.stepFailed, `${target} is ${what}: not detaching it`);
  }
  await deps.clients.rdsRecovery.send(
    new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: globalId, DbClusterIdentifier: standing.arn }),
  );
  return { outcome: 'done', detail: `${target} detached from ${globalId}: it becomes a standalone writable cluster` };
}

/**
 * Why the detached secondary is not the writable primary yet, or undefined once it is: out of the global database,
 * and one of its instances the writer.
 */
export async function detachPending(deps: StepDeps, cluster: CatalogCluster, id: string): Promise<string | undefined> {
  const globalId = required(cluster.globalClusterIdentifier, 'cluster.globalClusterIdentifier');
  const standing = await secondaryStanding(deps, globalId, id);
  if (standing.kind === 'missing') throw new StepError(Errors.stepFailed, `${id} disappeared while being detached`);
  if (standing.kind === 'member') return `${id} is still a member of ${globalId}`;
  if (standing.kind === 'detaching') return `${id} is being detached from ${globalId} (${standing.cluster.Status})`;
  if (!hasWriter(standing.cluster)) return `${id} is ${standing.cluster.Status}; none of its instances writes yet`;
  return undefined;
}
