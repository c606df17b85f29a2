import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BackupClient } from '@aws-sdk/client-backup';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { RDSClient } from '@aws-sdk/client-rds';
import { failWhenIncomplete, type ScheduledCheckDeps } from '../common/scheduled-check';
import { FRESHNESS_METRICS } from '../common/metrics-contract';
import { runFreshnessCheck } from './freshness';
import { runRestorableTimeCheck } from './restorable-time';
import { parseFreshnessEvent } from './schema';

export interface ScheduledFreshnessDeps extends ScheduledCheckDeps {
  readonly backup: (region: string) => BackupClient;
  readonly rds: (region: string) => RDSClient;
  readonly cloudwatch: CloudWatchClient;
  /** The function's own health (EMF); the ages themselves go through PutMetricData. */
  readonly metrics: Metrics;
}

/** The scheduled freshness function's run: recovery-point ages, or latest restorable times (`check`). */
export async function runScheduledFreshness(
  event: unknown,
  deps: ScheduledFreshnessDeps,
): Promise<{ published: number; missing: number }> {
  const request = parseFreshnessEvent(event);
  if ('check' in request) {
    const report = await runRestorableTimeCheck(request, deps);
    const failures = report.failures.map((f) => `${f.database} (${f.error})`);
    return finish(deps.metrics, report.published, 0, failures);
  }
  const report = await runFreshnessCheck(request, deps);
  const missing = report.readings.filter((reading) => !reading.newest).length;
  const failures = report.failures.map((f) => `${f.database}@${f.vault} (${f.error})`);
  return finish(deps.metrics, report.published, missing, failures);
}

function finish(
  metrics: Metrics,
  published: number,
  missing: number,
  failures: string[],
): { published: number; missing: number } {
  metrics.addMetric(FRESHNESS_METRICS.missingRecoveryPoints, MetricUnit.Count, missing);
  metrics.addMetric(FRESHNESS_METRICS.checkFailures, MetricUnit.Count, failures.length);
  metrics.publishStoredMetrics();
  failWhenIncomplete('freshness', failures);
  return { published, missing };
}
