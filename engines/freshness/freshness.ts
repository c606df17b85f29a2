import {
  BackupClient,
  ListRecoveryPointsByBackupVaultCommand,
  RecoveryPointByBackupVault,
} from '@aws-sdk/client-backup';
import { CloudWatchClient, MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { RetryOptions, withRetry } from './retry';
import type { EngineLogger } from '../common/logger';
import { FreshnessEvent, InvalidFreshnessEventError, parseFreshnessEvent } from './schema';
import { recoveryPointAgeDimensions, toCloudWatchDimensions } from '../common/metrics-contract';

/** What the check needs from outside: clients, clock, logger. The handler builds the real ones once. */
export interface FreshnessDeps {
  /** A Backup client for a vault's region (the handler caches one per region). */
  readonly backup: (region: string) => BackupClient;
  readonly cloudwatch: CloudWatchClient;
  readonly now: () => Date;
  readonly logger: EngineLogger;
  readonly retry?: RetryOptions;
}

/** The newest completed snapshot recovery point of one database in one vault. */
export interface FreshnessReading {
  readonly database: string;
  readonly vault: string;
  readonly region: string;
  /** Undefined when the vault holds no completed snapshot recovery point of the database. */
  readonly newest?: { readonly recoveryPointArn: string; readonly creationDate: Date; readonly ageSeconds: number };
}

export interface FreshnessFailure {
  readonly database: string;
  readonly vault: string;
  readonly region: string;
  readonly error: string;
}

export interface FreshnessReport {
  readonly readings: readonly FreshnessReading[];
  /** Database/vault pairs that could not be read after the retries: no datapoint is published for them. */
  readonly failures: readonly FreshnessFailure[];
  /** Datapoints sent to CloudWatch. */
  readonly published: number;
}

/** CloudWatch accepts up to 1000 datums per PutMetricData call; stay well under it. */
const PUT_METRIC_BATCH = 500;

/**
 * Continuous (PITR) recovery points are named `…:recovery-point:continuous:<id>`. Their creation date is when
 * continuous backup was enabled and does not move while it runs, so their age says nothing about freshness:
 * the check measures snapshot recovery points only (see `FreshnessAlarms` for the thresholds this implies).
 */
export function isContinuousRecoveryPoint(recoveryPointArn: string): boolean {
  return /:recovery-point:continuous:/.test(recoveryPointArn);
}

/**
 * Validate the event, then, for every database in every vault, find the newest COMPLETED snapshot recovery
 * point and publish its age in seconds as `<metricName>` with dimensions Environment, Database, Vault.
 *
 * A database without any recovery point in a vault gets no datapoint: the alarms treat missing data as
 * breaching, so "never backed up" and "the check could not run" both alarm. One vault or database failing
 * after the retries does not stop the others; the failures are returned (the handler then fails the run).
 */
export async function runFreshnessCheck(event: unknown, deps: FreshnessDeps): Promise<FreshnessReport> {
  const request = parseFreshnessEvent(event);
  if ('check' in request)
    throw new InvalidFreshnessEventError(
      'a restorable-time event goes to runRestorableTimeCheck, not to the recovery point check',
    );
  const now = deps.now();
  const readings: FreshnessReading[] = [];
  const failures: FreshnessFailure[] = [];

  for (const vault of request.vaults) {
    const client = deps.backup(vault.region);
    for (const db of request.databases) {
      const where = { database: db.name, vault: vault.name, region: vault.region };
      try {
        const newest = await newestCompletedRecoveryPoint(client, vault.name, db.resourceArn, deps.retry);
        if (!newest) {
          deps.logger.warn(
            'no completed snapshot recovery point: the freshness alarm will fire (missing data is breaching)',
            where,
          );
          readings.push(where);
          continue;
        }
        const ageSeconds = Math.max(0, Math.floor((now.getTime() - newest.creationDate.getTime()) / 1000));
        readings.push({ ...where, newest: { ...newest, ageSeconds } });
      } catch (error) {
        const message = describeError(error);
        deps.logger.error('could not list recovery points', { ...where, error: message });
        failures.push({ ...where, error: message });
      }
    }
  }

  const data = readings.flatMap((reading): MetricDatum[] =>
    reading.newest
      ? [
          {
            MetricName: request.metricName,
            Dimensions: toCloudWatchDimensions(
              recoveryPointAgeDimensions(request.environment, reading.database, reading.vault),
            ),
            Timestamp: now,
            Unit: 'Seconds',
            Value: reading.newest.ageSeconds,
          },
        ]
      : [],
  );
  await publish(deps.cloudwatch, request, data, deps.retry);
  deps.logger.info('recovery point ages published', {
    published: data.length,
    missing: readings.filter((r) => !r.newest).map((r) => `${r.database}@${r.vault}`),
    failed: failures.map((f) => `${f.database}@${f.vault}`),
  });
  return { readings, failures, published: data.length };
}

/** Walks every page (a database keeps ~150 recovery points: 35 daily, 120 monthly) and keeps the newest. */
async function newestCompletedRecoveryPoint(
  client: BackupClient,
  vaultName: string,
  resourceArn: string,
  retry: RetryOptions | undefined,
): Promise<{ recoveryPointArn: string; creationDate: Date } | undefined> {
  let newest: { recoveryPointArn: string; creationDate: Date } | undefined;
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await withRetry(
      () =>
        client.send(
          new ListRecoveryPointsByBackupVaultCommand({
            BackupVaultName: vaultName,
            ByResourceArn: resourceArn,
            NextToken: token,
          }),
        ),
      retry,
    );
    for (const point of page.RecoveryPoints ?? []) {
      const candidate = usable(point);
      if (candidate && (!newest || candidate.creationDate > newest.creationDate)) newest = candidate;
    }
    nextToken = page.NextToken || undefined;
  } while (nextToken);
  return newest;
}

function usable(point: RecoveryPointByBackupVault): { recoveryPointArn: string; creationDate: Date } | undefined {
  if (point.Status !== 'COMPLETED' || !point.RecoveryPointArn || !point.CreationDate) return undefined;
  if (isContinuousRecoveryPoint(point.RecoveryPointArn)) return undefined;
  return { recoveryPointArn: point.RecoveryPointArn, creationDate: point.CreationDate };
}

async function publish(
  cloudwatch: CloudWatchClient,
  request: FreshnessEvent,
  data: MetricDatum[],
  retry: RetryOptions | undefined,
): Promise<void> {
  for (let start = 0; start < data.length; start += PUT_METRIC_BATCH) {
    const batch = data.slice(start, start + PUT_METRIC_BATCH);
    await withRetry(
      () => cloudwatch.send(new PutMetricDataCommand({ Namespace: request.namespace, MetricData: batch })),
      retry,
    );
  }
}

/** Name and message only: never the whole error object (it can carry request metadata). */
function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
