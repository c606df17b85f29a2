import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { BackupClient } from '@aws-sdk/client-backup';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { runFreshnessCheck } from './freshness';

/*
 * Thin adapter: clients, logger and metrics are created once per container; the logic is `runFreshnessCheck`.
 * `maxAttempts: 1` leaves retrying to the check's own bounded retry (see retry.ts); the request timeout keeps a
 * hung connection from eating the function's whole timeout.
 */
const clientConfig = { maxAttempts: 1, requestHandler: { requestTimeout: 10_000, connectionTimeout: 3_000 } };
const backupClients = new Map<string, BackupClient>();
const backup = (region: string): BackupClient => {
  let client = backupClients.get(region);
  if (!client) {
    client = new BackupClient({ ...clientConfig, region });
    backupClients.set(region, client);
  }
  return client;
};
const cloudwatch = new CloudWatchClient(clientConfig);
const powertools = new Logger({ serviceName: 'rxdr-freshness' });
const logger = {
  info: (message: string, extra: Record<string, unknown> = {}) => powertools.info(message, extra),
  warn: (message: string, extra: Record<string, unknown> = {}) => powertools.warn(message, extra),
  error: (message: string, extra: Record<string, unknown> = {}) => powertools.error(message, extra),
};
/** The function's own health (EMF, namespace from POWERTOOLS_METRICS_NAMESPACE); the ages go through PutMetricData. */
const metrics = new Metrics({ serviceName: 'rxdr-freshness' });

export async function handler(event: unknown): Promise<{ published: number; missing: number }> {
  const report = await runFreshnessCheck(event, { backup, cloudwatch, now: () => new Date(), logger });
  const missing = report.readings.filter((reading) => !reading.newest).length;
  metrics.addMetric('MissingRecoveryPoints', MetricUnit.Count, missing);
  metrics.addMetric('FreshnessCheckFailures', MetricUnit.Count, report.failures.length);
  metrics.publishStoredMetrics();
  if (report.failures.length > 0) {
    // Fail the invocation so the function's Errors metric shows it; the pairs that failed published nothing,
    // which their alarms treat as breaching.
    throw new Error(`freshness check incomplete: ${report.failures.map((f) => `${f.database}@${f.vault} (${f.error})`).join('; ')}`);
  }
  return { published: report.published, missing };
}
