import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { powertoolsLogger } from '../engines/common/logger';
import { perRegion } from '../engines/common/per-region';
import { runScheduledConformance } from '../engines/conformance/scheduled';

/* Thin adapter: clients and logger once per container; the logic is `runScheduledConformance`. */
const clientConfig = { maxAttempts: 3, requestHandler: { requestTimeout: 10_000, connectionTimeout: 3_000 } };
const clients = {
  rds: perRegion((region) => new RDSClient({ ...clientConfig, region })),
  kms: perRegion((region) => new KMSClient({ ...clientConfig, region })),
};
const cloudwatch = new CloudWatchClient(clientConfig);
const logger = powertoolsLogger('rxdr-conformance');

export async function handler(event: unknown): Promise<{ checked: number; findings: number }> {
  return runScheduledConformance(event, { clients, cloudwatch, logger, now: () => new Date() });
}
