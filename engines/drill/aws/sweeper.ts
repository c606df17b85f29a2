import {
  DBCluster,
  DBInstance,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { DRILL_METRICS } from '../../common/metrics-contract';
import type { Clock } from '../../common/clock';
import { errorName, isNotFound } from './errors';
import { DRILL_INSTANCE_PREFIX, DRILL_TAG, parseEvent } from './types';

/**
 * The orphan sweeper. Scheduled (daily): deletes drill-tagged instances and Aurora clusters older than the maximum
 * drill duration and measures the time since the last drill run (the missed-schedule alarm reads it). On a
 * drill execution that ended FAILED, TIMED_OUT or ABORTED (EventBridge): deletes at once the instances and clusters
 * tagged with that execution, which its own cleanup could not reach. A cluster's instances go first; a cluster
 * whose instances are still being deleted is left for the next sweep (reported). It never touches anything without
 * the drill tag: an untagged `rxdr-drill-*` instance or cluster is reported for a person to look at.
 */

export const sweeperEventSchema = z.union([
  z.strictObject({ mode: z.literal('sweep') }),
  z.looseObject({
    source: z.literal('aws.states'),
    'detail-type': z.literal('Step Functions Execution Status Change'),
    detail: z.looseObject({ executionArn: z.string().min(1), status: z.enum(['FAILED', 'TIMED_OUT', 'ABORTED']) }),
  }),
]);

export interface SweeperDeps {
  readonly rds: RDSClient;
  readonly sfn: SFNClient;
  readonly clock: Clock;
  readonly stateMachineArn: string;
  /** Drill instances older than this are orphans (the state machine's timeout plus a margin). */
  readonly maxAgeSeconds: number;
  /** Publishes one report of what was removed (SNS in Lambda). */
  readonly report: (subject: string, message: string) => Promise<void>;
  readonly metric: (name: string, value: number, unit: 'Count' | 'Hours') => void;
}

export interface SweepResult {
  readonly deleted: { identifier: string; drill: string; ageSeconds: number }[];
  readonly failed: { identifier: string; error: string }[];
  /** `rxdr-drill-*` instances and clusters without the tag: never deleted here, reported. */
  readonly untagged: string[];
  /** Drill clusters whose instances are still being deleted: the next sweep deletes them. */
  readonly deferred: string[];
  readonly hoursSinceLastDrill?: number;
}

export async function sweepTask(event: unknown, deps: SweeperDeps): Promise<SweepResult> {
  const parsed = parseEvent(sweeperEventSchema, event, 'sweeper event');
  const execution = 'detail' in parsed ? parsed.detail.executionArn : undefined;
  const now = deps.clock.now();
  const instances = await listInstances(deps.rds);
  const deleted: SweepResult['deleted'] = [];
  const failed: SweepResult['failed'] = [];
  const untagged: string[] = [];

  for (const instance of instances) {
    const id = instance.DBInstanceIdentifier ?? '';
    const drill = instance.TagList?.find((tag) => tag.Key === DRILL_TAG)?.Value;
    if (!drill) {
      if (id.startsWith(DRILL_INSTANCE_PREFIX)) untagged.push(id);
      continue;
    }
    if (instance.DBInstanceStatus === 'deleting') continue;
    const ageSeconds = instance.InstanceCreateTime
      ? Math.round((now.getTime() - instance.InstanceCreateTime.getTime()) / 1000)
      : Number.POSITIVE_INFINITY;
    const orphan = execution ? drill === execution : ageSeconds > deps.maxAgeSeconds;
    if (!orphan) continue;
    try {
      // An Aurora instance has no snapshot or automated backups of its own: its cluster has them.
      const options = instance.DBClusterIdentifier ? {} : { SkipFinalSnapshot: true, DeleteAutomatedBackups: true };
      await deps.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, ...options }));
      deleted.push({ identifier: id, drill, ageSeconds: Number.isFinite(ageSeconds) ? ageSeconds : -1 });
    } catch (error) {
      if (isNotFound(error, 'DBInstanceNotFound')) continue;
      failed.push({ identifier: id, error: `${errorName(error)}: ${(error as Error).message}` });
    }
  }

  const deferred: string[] = [];
  for (const cluster of await listClusters(deps.rds)) {
    const id = cluster.DBClusterIdentifier ?? '';
    const drill = cluster.TagList?.find((tag) => tag.Key === DRILL_TAG)?.Value;
    if (!drill) {
      if (id.startsWith(DRILL_INSTANCE_PREFIX)) untagged.push(`${id} (cluster)`);
      continue;
    }
    if (cluster.Status === 'deleting') continue;
    const ageSeconds = cluster.ClusterCreateTime
      ? Math.round((now.getTime() - cluster.ClusterCreateTime.getTime()) / 1000)
      : Number.POSITIVE_INFINITY;
    if (!(execution ? drill === execution : ageSeconds > deps.maxAgeSeconds)) continue;
    try {
      await deps.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: id, SkipFinalSnapshot: true }));
      deleted.push({ identifier: `${id} (cluster)`, drill, ageSeconds: Number.isFinite(ageSeconds) ? ageSeconds : -1 });
    } catch (error) {
      if (isNotFound(error, 'DBClusterNotFound')) continue;
      if (isNotFound(error, 'InvalidDBClusterState')) deferred.push(id);
      else failed.push({ identifier: `${id} (cluster)`, error: `${errorName(error)}: ${(error as Error).message}` });
    }
  }

  let hoursSinceLastDrill: number | undefined;
  if (!execution) {
    const last = await deps.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: deps.stateMachineArn, maxResults: 1 }),
    );
    const started = last.executions?.[0]?.startDate;
    // Never run: count from the epoch, so the missed-schedule alarm fires rather than stays silent.
    hoursSinceLastDrill = Math.round(((now.getTime() - (started?.getTime() ?? 0)) / 3_600_000) * 10) / 10;
    deps.metric(DRILL_METRICS.hoursSinceLastDrill, hoursSinceLastDrill, 'Hours');
  }
  deps.metric(DRILL_METRICS.orphansDeleted, deleted.length, 'Count');
  deps.metric(DRILL_METRICS.orphanDeletionsFailed, failed.length, 'Count');

  if (deleted.length + failed.length + untagged.length + deferred.length > 0) {
    const lines = [
      ...deleted.map(
        (d) =>
          `deleted ${d.identifier} (drill ${d.drill}, ${d.ageSeconds >= 0 ? `${Math.round(d.ageSeconds / 60)} min old` : 'age unknown'})`,
      ),
      ...failed.map((f) => `COULD NOT DELETE ${f.identifier}: ${f.error}`),
      ...untagged.map(
        (u) => `left alone: ${u} is named like a drill instance but has no ${DRILL_TAG} tag; check it by hand`,
      ),
      ...deferred.map((d) => `cluster ${d} still has instances being deleted: the next sweep deletes it`),
    ];
    const why = execution
      ? `after drill execution ${execution} ended without cleaning up`
      : `drill instances older than ${Math.round(deps.maxAgeSeconds / 60)} min`;
    await deps.report(
      `rxdr drill sweeper: ${deleted.length} orphan(s) deleted${failed.length ? `, ${failed.length} failed` : ''}`,
      [`Orphan sweep (${why}):`, ...lines].join('\n'),
    );
  }
  return {
    deleted,
    failed,
    untagged,
    deferred,
    ...(hoursSinceLastDrill !== undefined ? { hoursSinceLastDrill } : {}),
  };
}

async function listInstances(rds: RDSClient): Promise<DBInstance[]> {
  const all: DBInstance[] = [];
  let marker: string | undefined;
  do {
    const page = await rds.send(new DescribeDBInstancesCommand({ Marker: marker }));
    all.push(...(page.DBInstances ?? []));
    marker = page.Marker;
  } while (marker);
  return all;
}

async function listClusters(rds: RDSClient): Promise<DBCluster[]> {
  const all: DBCluster[] = [];
  let marker: string | undefined;
  do {
    const page = await rds.send(new DescribeDBClustersCommand({ Marker: marker }));
    all.push(...(page.DBClusters ?? []));
    marker = page.Marker;
  } while (marker);
  return all;
}
