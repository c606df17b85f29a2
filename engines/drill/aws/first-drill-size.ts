import { DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { RETRY_POLICIES, withRetry, type RetryOptions } from '../../common/retry';
import { errorName } from './errors';
import { configuredSize, type AllocatedSize, type MeasuredHistory } from './fit';
import type { FleetDatabase } from './types';

/**
 * The size a drill without a measured one predicts from. The configured allocation when there is one; for an RDS
 * instance without it (an adopted database), the source instance's `AllocatedStorage`, read with
 * DescribeDBInstances in the source's own region. An Aurora cluster's storage grows with its data and its
 * `AllocatedStorage` says nothing about it, so its first drill is not predicted. Whenever no size is found the
 * prediction is skipped with the reason, and the drill runs: a prediction never stops a first drill, and the drill
 * measures the size and throughput the next prediction uses.
 */

/** The allocated storage in bytes of the source DB instance named by its ARN. */
export type ReadAllocatedStorage = (sourceArn: string) => Promise<number>;

/** A first drill's size, or why it has none (both absent: the previous drill measured the size). */
export interface FirstDrillSize {
  readonly size?: AllocatedSize;
  readonly skipped?: string;
}

const NEXT_DRILL = 'the next drill predicts from the size and throughput this drill measures';
const GIB = 1024 ** 3;

/** The size a drill predicts from when its previous drill measured none, or the reason the prediction is skipped. */
export async function firstDrillSize(
  database: FleetDatabase,
  history: MeasuredHistory,
  read?: ReadAllocatedStorage,
): Promise<FirstDrillSize> {
  if (history.databaseBytes !== undefined && history.databaseBytes > 0) return {};
  const configured = configuredSize(database);
  if (configured) return { size: configured };
  if (database.kind === 'cluster') return skipped('Aurora cluster storage size is not known before the first drill');
  if (!read) return skipped("the source instance's allocated storage is not configured and cannot be read");
  try {
    const bytes = await read(database.sourceArn);
    return { size: { bytes, from: "the source instance's AllocatedStorage (DescribeDBInstances)" } };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return skipped(
      `the source instance's allocated storage could not be read ` +
        `(DescribeDBInstances ${database.sourceArn}: ${errorName(error)}: ${message})`,
    );
  }
}

const skipped = (reason: string): FirstDrillSize => ({ skipped: `prediction skipped: ${reason}; ${NEXT_DRILL}` });

/**
 * DescribeDBInstances of the source instance with a client in the ARN's region (the source's, not the drill's),
 * throttling and other transient errors retried in-process. Any other error is thrown as AWS answered it.
 */
export function describedAllocatedStorage(
  rdsIn: (region: string) => RDSClient,
  retry: RetryOptions = {},
): ReadAllocatedStorage {
  return async (sourceArn) => {
    const region = sourceArn.split(':')[3] ?? '';
    const answer = await withRetry(
      () => rdsIn(region).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: sourceArn })),
      RETRY_POLICIES.transient,
      retry,
    );
    const gib = answer.DBInstances?.[0]?.AllocatedStorage;
    if (!(gib !== undefined && gib > 0)) throw new Error('DescribeDBInstances returned no AllocatedStorage');
    return gib * GIB;
  };
}
