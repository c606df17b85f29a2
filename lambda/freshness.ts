import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { BackupClient } from '@aws-sdk/client-backup';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { RDSClient } from '@aws-sdk/client-rds';
import { powertoolsLogger } from '../engines/common/logger';
import { perRegion } from '../engines/common/per-region';
import { FRESHNESS_METRICS } from '../engines/common/metrics-contract';
import { runFreshnessCheck } from '../engines/freshness/freshness';
import { runRestorableTimeCheck } from '../engines/freshness/restorable-time';
import { parseFreshnessEvent } from '../engines/freshness/schema';

/*
 * Thin adapter: clients, logger and metrics are created once per container; the logic is `runFreshnessCheck`.
 * `maxAttempts: 1` leaves retrying to the check's own bounded retry (see retry.ts); the request timeout keeps a
 * hung connection from eating the function's whole timeout.
 */
const clientConfig = { maxAttempts: 1, requestHandler: { requestTimeout: 10_000, connectionTimeout: 3_000 } };
const backup = perRegion((region) => new BackupClient({ ...clientConfig, region }));
const rds = perRegion((region) => new RDSClient({ ...clientConfig, region }));
const cloudwatch = new CloudWatchClient(clientConfig);
const logger = powertoolsLogger('rxdr-freshness');
/** The function's own health (EMF, namespace from POWERTOOLS_METRICS_NAMESPACE); the ages go through PutMetricData. */
const metrics = new Metrics({ serviceName: FRESHNESS_METRICS.service });

export async function handler(event: unknown): Promise<{ published: number; missing: number }> {
  const request = parseFreshnessEvent(event);
  const now = () => new Date();
  if ('check' in request) {
    const report = await runRestorableTimeCheck(request, { rds, cloudwatch, now, logger });
    return finish(
      report.published,
      0,
      report.failures.map((f) => `${f.database} (${f.error})`),
    );
  }
  const report = await runFreshnessCheck(request, { backup, cloudwatch, now, logger });
  const missing = report.readings.filter((reading) => !reading.newest).length;
  return finish(
    report.published,
    missing,
    report.failures.map((f) => `${f.database}@${f.vault} (${f.error})`),
  );
}

function finish(published: number, missing: number, failures: string[]): { published: number; missing: number } {
  metrics.addMetric(FRESHNESS_METRICS.missingRecoveryPoints, MetricUnit.Count, missing);
  metrics.addMetric(FRESHNESS_METRICS.checkFailures, MetricUnit.Count, failures.length);
  metrics.publishStoredMetrics();
  if (failures.length > 0) {
    // Fail the invocation so the function's Errors metric shows it; what failed published nothing, which
    // the alarms treat as breaching.
    throw new Error(`freshness check incomplete: ${failures.join('; ')}`);
  }
  return { published, missing };
}
