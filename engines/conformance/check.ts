import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CONFORMANCE_METRICS,
  ConformanceFindingKind,
  conformanceDimensions,
  toCloudWatchDimensions,
} from '../common/metrics-contract';
import { ConformanceClients, describeInstance } from './describe';
import { describeCluster } from './describe-cluster';
import { conformanceFindings, Finding } from './rules';
import { ConformanceTarget } from './target';

/** One instance's result: its findings, or why its settings could not be read. */
export interface InstanceConformance {
  readonly target: ConformanceTarget;
  readonly findings: readonly Finding[];
  /** Set when the instance could not be read; `findings` is then empty. */
  readonly error?: string;
}

export interface ConformanceReport {
  readonly environment: string;
  readonly checkedAt: string;
  readonly instances: readonly InstanceConformance[];
}

/**
 * Read every target's actual settings and judge them (`rules.ts`). A target that cannot be read is reported
 * with its error, never as conforming. Read-only: used by the scheduled function and by the CLI alike.
 */
export async function checkConformance(
  environment: string,
  targets: readonly ConformanceTarget[],
  clients: ConformanceClients,
  now: Date,
): Promise<ConformanceReport> {
  const today = now.toISOString().slice(0, 10);
  const instances = await Promise.all(
    targets.map(async (target): Promise<InstanceConformance> => {
      try {
        const settings = await (target.resource === 'cluster' ? describeCluster : describeInstance)(target, clients);
        return { target, findings: conformanceFindings(target, settings, today) };
      } catch (error) {
        return { target, findings: [], error: `${(error as Error).name}: ${(error as Error).message}` };
      }
    }),
  );
  return { environment, checkedAt: now.toISOString(), instances };
}

/** Per finding kind, how many instances have it; every kind is present (0 included). */
export function findingCounts(report: ConformanceReport): Record<ConformanceFindingKind, number> {
  const kinds = Object.keys(CONFORMANCE_METRICS.findings) as ConformanceFindingKind[];
  const counts = Object.fromEntries(kinds.map((kind) => [kind, 0])) as Record<ConformanceFindingKind, number>;
  for (const instance of report.instances)
    for (const kind of new Set(instance.findings.map((f) => f.kind))) counts[kind] += 1;
  return counts;
}

/** Publish one metric per finding kind and the number of instances read (PutMetricData, one call). */
export async function publishConformance(
  cloudwatch: Pick<CloudWatchClient, 'send'>,
  report: ConformanceReport,
): Promise<void> {
  const dimensions = toCloudWatchDimensions(conformanceDimensions(report.environment));
  const timestamp = new Date(report.checkedAt);
  const counts = findingCounts(report);
  const metricData = [
    ...Object.entries(counts).map(([kind, value]) => ({
      MetricName: CONFORMANCE_METRICS.findings[kind as ConformanceFindingKind],
      Dimensions: dimensions,
      Value: value,
      Unit: 'Count' as const,
      Timestamp: timestamp,
    })),
    {
      MetricName: CONFORMANCE_METRICS.databasesChecked,
      Dimensions: dimensions,
      Value: report.instances.filter((i) => i.error === undefined).length,
      Unit: 'Count' as const,
      Timestamp: timestamp,
    },
  ];
  await cloudwatch.send(new PutMetricDataCommand({ Namespace: CONFORMANCE_METRICS.namespace, MetricData: metricData }));
}

/** One instance's result as the CLI's status and the plan show it: where it is, its findings or error. */
export interface ConformanceRow {
  readonly database: string;
  /** The source instance or its warm-standby read replica. */
  readonly role: ConformanceTarget['role'];
  readonly instance: string;
  readonly region: string;
  readonly findings: readonly Finding[];
  /** Why the instance's settings could not be read (then it is not known to conform). */
  readonly error?: string;
}

export function conformanceRows(report: ConformanceReport): ConformanceRow[] {
  return report.instances.map(({ target, findings, error }) => ({
    database: target.database,
    role: target.role,
    instance: target.instanceIdentifier,
    region: target.region,
    findings,
    ...(error ? { error } : {}),
  }));
}
