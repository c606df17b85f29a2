import { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { checkConformance, publishConformance } from '../engines/conformance/check';
import { parseConformanceEvent } from '../engines/conformance/target';

/* Thin adapter: clients and logger once per container; the logic is `checkConformance` (engines/conformance). */
const clientConfig = { maxAttempts: 3, requestHandler: { requestTimeout: 10_000, connectionTimeout: 3_000 } };
function perRegion<T>(make: (region: string) => T): (region: string) => T {
  const made = new Map<string, T>();
  return (region) => {
    let client = made.get(region);
    if (!client) {
      client = make(region);
      made.set(region, client);
    }
    return client;
  };
}
const clients = {
  rds: perRegion((region) => new RDSClient({ ...clientConfig, region })),
  kms: perRegion((region) => new KMSClient({ ...clientConfig, region })),
};
const cloudwatch = new CloudWatchClient(clientConfig);
const logger = new Logger({ serviceName: 'rxdr-conformance' });

export async function handler(event: unknown): Promise<{ checked: number; findings: number }> {
  const request = parseConformanceEvent(event);
  const report = await checkConformance(request.environment, request.targets, clients, new Date());
  await publishConformance(cloudwatch, report);
  for (const { target, findings, error } of report.instances) {
    const where = { database: target.database, role: target.role, instance: target.instanceIdentifier };
    for (const finding of findings) logger.warn('nonconforming setting', { ...where, ...finding });
    if (error) logger.error('settings not readable', { ...where, error });
  }
  const unread = report.instances.filter((i) => i.error !== undefined);
  // Fail the invocation so the function's errors show it; DatabasesChecked is short and its alarm fires.
  if (unread.length > 0)
    throw new Error(
      `conformance check incomplete: ${unread.map((i) => `${i.target.instanceIdentifier} (${i.error})`).join('; ')}`,
    );
  return { checked: report.instances.length, findings: report.instances.reduce((n, i) => n + i.findings.length, 0) };
}
