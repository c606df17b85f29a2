import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { failWhenIncomplete, type ScheduledCheckDeps } from '../common/scheduled-check';
import { checkConformance, publishConformance } from './check';
import type { ConformanceClients } from './describe';
import { parseConformanceEvent } from './target';

export interface ScheduledConformanceDeps extends ScheduledCheckDeps {
  readonly clients: ConformanceClients;
  readonly cloudwatch: Pick<CloudWatchClient, 'send'>;
}

/**
 * The scheduled conformance function's run: check every target, publish the metrics, log each finding.
 * Throws when an instance could not be read, so the function's errors show it (DatabasesChecked is then short
 * and its alarm fires).
 */
export async function runScheduledConformance(
  event: unknown,
  deps: ScheduledConformanceDeps,
): Promise<{ checked: number; findings: number }> {
  const request = parseConformanceEvent(event);
  const report = await checkConformance(request.environment, request.targets, deps.clients, deps.now());
  await publishConformance(deps.cloudwatch, report);
  for (const { target, findings, error } of report.instances) {
    const where = { database: target.database, role: target.role, instance: target.instanceIdentifier };
    for (const finding of findings) deps.logger.warn('nonconforming setting', { ...where, ...finding });
    if (error) deps.logger.error('settings not readable', { ...where, error });
  }
  const unread = report.instances.filter((i) => i.error !== undefined);
  failWhenIncomplete(
    'conformance',
    unread.map((i) => `${i.target.instanceIdentifier} (${i.error})`),
  );
  return { checked: report.instances.length, findings: report.instances.reduce((n, i) => n + i.findings.length, 0) };
}
