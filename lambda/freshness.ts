import { Metrics } from '@aws-lambda-powertools/metrics';
import { BackupClient } from '@aws-sdk/client-backup';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { RDSClient } from '@aws-sdk/client-rds';
import { powertoolsLogger } from '../engines/common/logger';
import { perRegion } from '../engines/common/per-region';
import { FRESHNESS_METRICS } from '../engines/common/metrics-contract';
import { runScheduledFreshness } from '../engines/freshness/scheduled';

/*
 * Thin adapter: clients, logger and metrics are created once per container; the logic is `runScheduledFreshness`.
 * `maxAttempts: 1` leaves retrying to the check's own bounded retry (engines/freshness/retry.ts); the request timeout keeps a
 * hung connection from eating the function's whole timeout.
 */
const clientConfig = { maxAttempts: 1, requestHandler: { requestTimeout: 10_000, connectionTimeout: 3_000 } };
const backup = perRegion((region) => new BackupClient({ ...clientConfig, region }));
const rds = perRegion((region) => new RDSClient({ ...clientConfig, region }));
const cloudwatch = new CloudWatchClient(clientConfig);
const logger = powertoolsLogger('rxdr-freshness');
const metrics = new Metrics({ serviceName: FRESHNESS_METRICS.service });

export async function handler(event: unknown): Promise<{ published: number; missing: number }> {
  return runScheduledFreshness(event, { backup, rds, cloudwatch, logger, metrics, now: () => new Date() });
}
