import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { CloudWatchClient, MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { FRESHNESS_METRICS, restorableTimeDimensions, toCloudWatchDimensions } from '../common/metrics-contract';
import { RetryOptions, withRetry } from './retry';
import type { RestorableTimeEvent } from './schema';

export interface RestorableTimeDeps {
  /** An RDS client for a database's region (taken from its ARN). */
  readonly rds: (region: string) => RDSClient;
  readonly cloudwatch: CloudWatchClient;
  readonly now: () => Date;
  readonly logger: {
    warn(message: string, extra?: Record<string, unknown>): void;
    error(message: string, extra?: Record<string, unknown>): void;
  };
  readonly retry?: RetryOptions;
}

export interface RestorableTimeReading {
  readonly database: string;
  /** Undefined when RDS reports no restorable time (backups off) or no such instance. */
  readonly latestRestorableTime?: Date;
  readonly secondsSince: number;
}

export interface RestorableTimeReport {
  readonly readings: readonly RestorableTimeReading[];
  readonly failures: readonly { readonly database: string; readonly error: string }[];
  readonly published: number;
}

/**
 * For each database, the seconds since its latest restorable time (RDS `LatestRestorableTime`: the newest
 * moment a point-in-time restore can reach; RDS uploads transaction logs about every 5 minutes, so it
 * normally trails by up to 5 minutes). This is what continuous protection can lose right now.
 *
 * An instance that does not exist or reports no restorable time cannot be restored to any point: it is
 * published as the seconds since the epoch, so its alarm fires instead of going quiet. Other errors (after
 * the retries) publish nothing for that database and are returned as failures.
 */
export async function runRestorableTimeCheck(
  request: RestorableTimeEvent,
  deps: RestorableTimeDeps,
): Promise<RestorableTimeReport> {
  const now = deps.now();
  const readings: RestorableTimeReading[] = [];
  const failures: { database: string; error: string }[] = [];
  for (const db of request.databases) {
    try {
      const latest = await latestRestorableTime(deps.rds(regionOf(db.resourceArn)), db.resourceArn, deps.retry);
      if (!latest)
        deps.logger.warn(
          'no latest restorable time: point-in-time restore is not possible; publishing the age since the epoch',
          { database: db.name },
        );
      const secondsSince = Math.max(0, Math.floor((now.getTime() - (latest?.getTime() ?? 0)) / 1000));
      readings.push({ database: db.name, latestRestorableTime: latest, secondsSince });
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      deps.logger.error('could not read the latest restorable time', { database: db.name, error: message });
      failures.push({ database: db.name, error: message });
    }
  }
  const data = readings.map((reading): MetricDatum => ({
    MetricName: FRESHNESS_METRICS.secondsSinceLatestRestorableTime,
    Dimensions: toCloudWatchDimensions(restorableTimeDimensions(request.environment, reading.database)),
    Timestamp: now,
    Unit: 'Seconds',
    Value: reading.secondsSince,
  }));
  if (data.length > 0) {
    await withRetry(
      () => deps.cloudwatch.send(new PutMetricDataCommand({ Namespace: request.namespace, MetricData: data })),
      deps.retry,
    );
  }
  return { readings, failures, published: data.length };
}

async function latestRestorableTime(
  rds: RDSClient,
  resourceArn: string,
  retry: RetryOptions | undefined,
): Promise<Date | undefined> {
  if (resourceArn.split(':')[5] === 'cluster') return latestClusterRestorableTime(rds, resourceArn, retry);
  try {
    // DescribeDBInstances accepts the instance ARN as its identifier.
    const page = await withRetry(
      () => rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: resourceArn })),
      retry,
    );
    return page.DBInstances?.[0]?.LatestRestorableTime;
  } catch (error) {
    if (
      (error as { name?: string }).name === 'DBInstanceNotFoundFault' ||
      (error as { name?: string }).name === 'DBInstanceNotFound'
    )
      return undefined;
    throw error;
  }
}

/** An Aurora cluster's latest restorable time (DescribeDBClusters accepts the cluster ARN too). */
async function latestClusterRestorableTime(
  rds: RDSClient,
  resourceArn: string,
  retry: RetryOptions | undefined,
): Promise<Date | undefined> {
  try {
    const page = await withRetry(
      () => rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: resourceArn })),
      retry,
    );
    return page.DBClusters?.[0]?.LatestRestorableTime;
  } catch (error) {
    if ((error as { name?: string }).name === 'DBClusterNotFoundFault') return undefined;
    throw error;
  }
}

function regionOf(resourceArn: string): string {
  // The schema only admits RDS instance and cluster ARNs: arn:<partition>:rds:<region>:<account>:<db|cluster>:<id>.
  return resourceArn.split(':')[3] ?? '';
}
