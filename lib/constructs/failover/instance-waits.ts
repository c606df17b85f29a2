import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { RESUMING_CLUSTER_CATEGORIES, RESUMING_RDS_CATEGORIES, type EventWaits } from '../event-waits';

/**
 * RDS instance event categories that can end a runbook's wait: besides a restore, a failure or a replica
 * event, a promotion ends with the instance restarting (`availability`) and a new replica with its creation.
 * An event that comes before the instance reads `available` costs one look and one more wait, never a wrong
 * decision: the check step decides from DescribeDBInstances.
 */
export const RUNBOOK_RDS_CATEGORIES = [...RESUMING_RDS_CATEGORIES, 'availability', 'creation', 'configuration change'];

/**
 * RDS cluster event categories that can end a runbook's wait: besides a restored cluster's creation or a failure,
 * an Aurora Global Database reports its switchover and failover in `global-failover` (the last event of one says
 * it finished). Detaching a secondary from its global database has no documented cluster event: the safety net's
 * look ends that wait. As for instances, the check step decides from what RDS describes, not from the event.
 */
export const RUNBOOK_CLUSTER_CATEGORIES = [...RESUMING_CLUSTER_CATEGORIES, 'global-failover'];

/**
 * The Aurora clusters a runbook waits on: the global database's secondary a failover makes the writer (or
 * detaches), the cluster a latest-backup restore creates, whose one instance shares its identifier, and the
 * primary-region cluster a failback switches back to (the primary cluster, or the new secondary a detached
 * secondary's failback builds: its events are forwarded from the primary region).
 */
export function runbookWaitedClusters(
  databases: readonly {
    failbackInstanceIdentifier: string;
    cluster?: {
      primaryClusterIdentifier: string;
      globalClusterIdentifier?: string;
      secondaryClusterIdentifier?: string;
      recoveredClusterIdentifier: string;
    };
  }[],
): string[] {
  return databases.flatMap((d) =>
    d.cluster
      ? [
          ...(d.cluster.secondaryClusterIdentifier ? [d.cluster.secondaryClusterIdentifier] : []),
          d.cluster.recoveredClusterIdentifier,
          ...(d.cluster.globalClusterIdentifier
            ? [d.cluster.primaryClusterIdentifier, d.failbackInstanceIdentifier]
            : []),
        ]
      : [],
  );
}

/** The instances a runbook waits on, by region: what the failover recovers, what the failback builds. */
export function runbookWaitedInstances(
  databases: readonly {
    replicaInstanceIdentifier?: string;
    recoveredInstanceIdentifier: string;
    failbackInstanceIdentifier: string;
  }[],
): { recoveryRegion: string[]; primaryRegion: string[] } {
  return {
    recoveryRegion: databases.flatMap((d) => [
      ...(d.replicaInstanceIdentifier ? [d.replicaInstanceIdentifier] : []),
      d.recoveredInstanceIdentifier,
    ]),
    primaryRegion: databases.map((d) => d.failbackInstanceIdentifier),
  };
}

export interface AwaitInstanceOptions {
  /** The wait's state name. */
  readonly id: string;
  /** The Choice after the check. */
  readonly doneId: string;
  readonly waits: EventWaits;
  /** Where the state holds the instance identifier. */
  readonly instancePath: string;
  /** The check step's `waitSeconds`: the safety net (task timeout) of the next wait. */
  readonly timeoutPath: string;
  readonly check: tasks.LambdaInvoke;
  readonly done: sfn.Condition;
  readonly next: sfn.IChainable;
  readonly retryErrors: string[];
  /** Where a wait that fails for good goes (failed evidence). */
  readonly onFailure: sfn.IChainable;
}

/**
 * Wait for the instance's next RDS or AWS Backup event (or the safety net), check, loop until `done`: the
 * event-driven counterpart of a polling Wait → check → Choice loop. Returns the wait (the loop's entry).
 */
export function awaitInstance(scope: Construct, o: AwaitInstanceOptions): tasks.LambdaInvoke {
  const wait = o.waits.waitTask(scope, o.id, {
    instancePath: o.instancePath,
    timeoutPath: o.timeoutPath,
    resultPath: sfn.JsonPath.DISCARD,
  });
  wait.addRetry({
    errors: o.retryErrors,
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 6,
    jitterStrategy: sfn.JitterType.FULL,
  });
  // The safety net: no event before the timeout, so look once.
  wait.addCatch(o.check, { errors: ['States.Timeout'], resultPath: sfn.JsonPath.DISCARD });
  wait.addCatch(o.onFailure, { errors: ['States.ALL'], resultPath: '$.failure' });
  wait.next(o.check).next(new sfn.Choice(scope, o.doneId).when(o.done, o.next).otherwise(wait));
  return wait;
}
