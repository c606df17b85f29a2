import { BackupClient, ListRecoveryPointsByBackupVaultCommand } from '@aws-sdk/client-backup';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { Template } from 'aws-cdk-lib/assertions';
import { mockClient } from 'aws-sdk-client-mock';
import { handler as conformanceHandler } from '../../lambda/conformance';
import { handler as freshnessHandler } from '../../lambda/freshness';
import { powertoolsSink } from '../../engines/drill/aws/commons';
import { handler as sweeperHandler } from '../../lambda/drill-sweeper';
import { CONFORMANCE_METRICS, drillDatabaseDimensions, DRILL_METRICS } from '../../engines/common/metrics-contract';
import { EnvironmentConfig } from '../../lib/config/environment-config';
import { shippedConfig } from '../helpers/config';
import { synthStage } from '../helpers/synth';
import { plain } from '../helpers/intrinsics';

/*
 * Every alarm of every synthesized template of every shipped environment reads a metric that something
 * publishes with exactly the alarm's namespace, metric name and dimension set (names and values).
 *
 * rxdr's own metrics are collected by running the publishers' real code with mocked AWS: the freshness
 * function with the inputs its schedules carry in the template, the drill sweeper with the environment its
 * function gets in the template, and the drill recorder's Powertools sink. What they send (PutMetricData
 * calls and Powertools EMF lines on stdout) is the published set. AWS-vended metrics are accepted when they
 * are in AWS_PUBLISHED below and their dimension values name a resource of the same template; metrics of
 * CloudWatch Logs metric filters when the template defines the filter.
 */

type Json = ReturnType<typeof JSON.parse>;
type Resource = { Type: string; Properties: Record<string, Json> };
type Dimensions = Record<string, string>;

interface Published {
  readonly namespace: string;
  readonly metric: string;
  readonly dimensions: Dimensions;
}

/**
 * Metrics AWS services publish, with the dimension set rxdr's alarms use. Sources:
 * - AWS/Lambda `Errors` by `FunctionName`: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
 * - AWS/States `ExecutionsFailed`, `ExecutionsTimedOut`, `ExecutionsAborted` by `StateMachineArn`:
 *   https://docs.aws.amazon.com/step-functions/latest/dg/procedure-cw-metrics.html
 * - AWS/RDS `ReplicaLag` by `DBInstanceIdentifier`: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-metrics.html
 * - AWS/RDS `AuroraGlobalDBReplicationLag` by `DBClusterIdentifier` (the secondary cluster):
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html
 * - AWS/Events `TriggeredRules` by `RuleName` (a rule on the default bus, whose `Ref` is its name):
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-monitoring.html
 * Each dimension names the resource type whose template resource its value must reference.
 */
const AWS_PUBLISHED: readonly {
  namespace: string;
  metrics: readonly string[];
  dimensions: Readonly<Record<string, string>>;
}[] = [
  { namespace: 'AWS/Lambda', metrics: ['Errors'], dimensions: { FunctionName: 'AWS::Lambda::Function' } },
  {
    namespace: 'AWS/States',
    metrics: ['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'],
    dimensions: { StateMachineArn: 'AWS::StepFunctions::StateMachine' },
  },
  { namespace: 'AWS/RDS', metrics: ['ReplicaLag'], dimensions: { DBInstanceIdentifier: 'AWS::RDS::DBInstance' } },
  {
    namespace: 'AWS/RDS',
    metrics: ['AuroraGlobalDBReplicationLag'],
    dimensions: { DBClusterIdentifier: 'AWS::RDS::DBCluster' },
  },
  { namespace: 'AWS/Events', metrics: ['TriggeredRules'], dimensions: { RuleName: 'AWS::Events::Rule' } },
];

const backup = mockClient(BackupClient);
const rds = mockClient(RDSClient);
const cloudwatch = mockClient(CloudWatchClient);
const sfn = mockClient(SFNClient);
const sns = mockClient(SNSClient);
const NOW = Date.now();

const resources = (template: Template): Record<string, Resource> =>
  template.toJSON().Resources as Record<string, Resource>;

/** Everything the given calls printed as CloudWatch embedded metric format, as published tuples. */
async function emfOf(run: () => Promise<unknown>): Promise<Published[]> {
  const lines: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    write.mockRestore();
  }
  return lines
    .flatMap((text) => text.split('\n'))
    .flatMap((line) => {
      let doc: Json;
      try {
        doc = JSON.parse(line);
      } catch {
        return [];
      }
      const directives = (doc?._aws?.CloudWatchMetrics ?? []) as {
        Namespace: string;
        Dimensions: string[][];
        Metrics: { Name: string }[];
      }[];
      return directives.flatMap((d) =>
        d.Dimensions.flatMap((keys) =>
          d.Metrics.map((m) => ({
            namespace: d.Namespace,
            metric: m.Name,
            dimensions: Object.fromEntries(keys.map((k) => [k, String(doc[k])])),
          })),
        ),
      );
    });
}

function putMetricDataCalls(): Published[] {
  return cloudwatch.commandCalls(PutMetricDataCommand).flatMap((call) =>
    (call.args[0].input.MetricData ?? []).map((d) => ({
      namespace: call.args[0].input.Namespace ?? '',
      metric: d.MetricName ?? '',
      dimensions: Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name ?? '', x.Value ?? ''])),
    })),
  );
}

/** Run the freshness function on every schedule input in the template: what it publishes. */
async function freshnessPublishes(template: Template): Promise<Published[]> {
  const inputs = Object.values(resources(template))
    .filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties.ScheduleExpression)
    .flatMap((r) => (r.Properties.Targets as Json[]).map((t) => t.Input))
    .filter((input): input is Json => input !== undefined)
    .map((input) => JSON.parse(plain(input)))
    .filter((input) => 'namespace' in input);
  expect(inputs.length).toBeGreaterThan(0);
  const out: Published[] = [];
  for (const input of inputs) {
    cloudwatch.reset();
    cloudwatch.on(PutMetricDataCommand).resolves({});
    out.push(...(await emfOf(() => freshnessHandler(input))), ...putMetricDataCalls());
  }
  return out;
}

/** Run the sweeper with the environment its function has in the template: what it publishes. */
async function sweeperPublishes(template: Template): Promise<Published[]> {
  const fn = Object.values(resources(template)).find(
    (r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.RXDR_DRILL_MAX_AGE_SECONDS,
  );
  expect(fn).toBeDefined();
  const variables = fn!.Properties.Environment.Variables as Record<string, Json>;
  const saved = { ...process.env };
  // Token values (ARNs of other resources) do not reach a metric: any string stands in for them.
  for (const [name, value] of Object.entries(variables))
    process.env[name] = typeof value === 'string' ? value : `resolved-${name}`;
  try {
    return await emfOf(() => sweeperHandler({ mode: 'sweep' }));
  } finally {
    process.env = saved;
  }
}

/** Run the conformance function on its scheduled input in the template: what it publishes. */
async function conformancePublishes(template: Template): Promise<Published[]> {
  const all = resources(template);
  const [fnId] = Object.entries(all).find(
    ([, r]) =>
      r.Type === 'AWS::Lambda::Function' &&
      r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === CONFORMANCE_METRICS.service,
  )!;
  const inputs = Object.values(all)
    .filter((r) => r.Type === 'AWS::Events::Rule')
    .flatMap((r) => r.Properties.Targets as Json[])
    .filter((t) => t.Arn?.['Fn::GetAtt']?.[0] === fnId)
    .map((t) => JSON.parse(plain(t.Input)));
  expect(inputs).toHaveLength(1);
  cloudwatch.reset();
  cloudwatch.on(PutMetricDataCommand).resolves({});
  // The mocked RDS describes too little for a verdict: the run fails after publishing, as it does in AWS.
  await conformanceHandler(inputs[0]).catch(() => undefined);
  return putMetricDataCalls();
}

/** The recorder's sink (the real Powertools path) with the dimensions the recorder passes it. */
async function recorderPublishes(config: EnvironmentConfig): Promise<Published[]> {
  const values = Object.fromEntries(
    [
      DRILL_METRICS.drillPassed,
      DRILL_METRICS.drillFailed,
      DRILL_METRICS.achievedRtoSeconds,
      DRILL_METRICS.achievedRpoSeconds,
    ].map((name) => [name, { value: 1, unit: 'Count' as const }]),
  );
  return emfOf(async () => {
    for (const db of config.databases) powertoolsSink.publish(drillDatabaseDimensions(config.name, db.name), values);
  });
}

/** The metrics one alarm reads: its own metric, or each metric of its math expression. */
function metricsOf(alarm: Resource): { namespace: string; metric: string; dimensions: Record<string, Json> }[] {
  const dims = (list: Json[] | undefined) => Object.fromEntries((list ?? []).map((d: Json) => [d.Name, d.Value]));
  if (alarm.Properties.Metrics) {
    return (alarm.Properties.Metrics as Json[])
      .filter((m) => m.MetricStat)
      .map((m) => ({
        namespace: m.MetricStat.Metric.Namespace,
        metric: m.MetricStat.Metric.MetricName,
        dimensions: dims(m.MetricStat.Metric.Dimensions),
      }));
  }
  return [
    {
      namespace: alarm.Properties.Namespace,
      metric: alarm.Properties.MetricName,
      dimensions: dims(alarm.Properties.Dimensions),
    },
  ];
}

const sameDimensions = (a: Record<string, Json>, b: Dimensions) =>
  Object.keys(a).length === Object.keys(b).length &&
  Object.entries(a).every(([k, v]) => typeof v === 'string' && b[k] === v);

/** Why an alarm's metric has no publisher, or undefined when it has one. */
function unmatched(
  read: { namespace: string; metric: string; dimensions: Record<string, Json> },
  template: Template,
  published: Published[],
): string | undefined {
  const all = resources(template);
  if (AWS_PUBLISHED.some((p) => p.namespace === read.namespace)) {
    const vended = AWS_PUBLISHED.find((p) => p.namespace === read.namespace && p.metrics.includes(read.metric));
    if (!vended) return `${read.namespace} ${read.metric} is not in the table of AWS-published metrics`;
    const keys = Object.keys(read.dimensions).sort();
    if (keys.join() !== Object.keys(vended.dimensions).sort().join())
      return `${read.namespace} ${read.metric} is published by ${Object.keys(vended.dimensions)}, the alarm reads ${keys}`;
    for (const [key, value] of Object.entries(read.dimensions)) {
      const type = vended.dimensions[key];
      const ref = (value as { Ref?: string })?.Ref;
      const byRef = ref !== undefined && all[ref]?.Type === type;
      const byName =
        typeof value === 'string' && Object.values(all).some((r) => r.Type === type && r.Properties[key] === value);
      if (!byRef && !byName)
        return `${read.namespace} ${read.metric} dimension ${key}=${JSON.stringify(value)} names no ${type} of this template`;
    }
    return undefined;
  }
  const filters = Object.values(all).filter((r) => r.Type === 'AWS::Logs::MetricFilter');
  const filtered = filters.some((f) =>
    (f.Properties.MetricTransformations as Json[]).some(
      (t) =>
        t.MetricNamespace === read.namespace &&
        t.MetricName === read.metric &&
        sameDimensions(read.dimensions, Object.fromEntries((t.Dimensions ?? []).map((d: Json) => [d.Key, d.Value]))),
    ),
  );
  if (filtered) return undefined;
  if (
    published.some(
      (p) =>
        p.namespace === read.namespace && p.metric === read.metric && sameDimensions(read.dimensions, p.dimensions),
    )
  )
    return undefined;
  const near = published
    .filter((p) => p.namespace === read.namespace && p.metric === read.metric)
    .map((p) => JSON.stringify(p.dimensions));
  return `nothing publishes ${read.namespace} ${read.metric} with dimensions ${JSON.stringify(read.dimensions)}${near.length ? ` (published with ${[...new Set(near)].join(' or ')})` : ''}`;
}

beforeEach(() => {
  for (const mock of [backup, rds, cloudwatch, sfn, sns]) mock.reset();
  backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({
    RecoveryPoints: [
      {
        RecoveryPointArn: 'arn:aws:rds:us-east-1:111111111111:snapshot:awsbackup:job-1',
        Status: 'COMPLETED',
        CreationDate: new Date(NOW - 3_600_000),
      },
    ],
  });
  rds
    .on(DescribeDBInstancesCommand)
    .resolves({ DBInstances: [{ DBInstanceIdentifier: 'db', LatestRestorableTime: new Date(NOW - 120_000) }] });
  rds
    .on(DescribeDBClustersCommand)
    .resolves({ DBClusters: [{ DBClusterIdentifier: 'cluster', LatestRestorableTime: new Date(NOW - 120_000) }] });
  sfn.on(ListExecutionsCommand).resolves({ executions: [] });
  sns.on(PublishCommand).resolves({});
  cloudwatch.on(PutMetricDataCommand).resolves({});
});

describe.each(shippedConfig().environments.map((env) => [env.name, env] as const))(
  'every alarm of %s reads a metric something publishes',
  (_, config) => {
    const { stage, primary, recovery } = synthStage(config);
    const templates = { primary, recovery, standby: Template.fromStack(stage.standby) };

    test.each(Object.keys(templates))('%s template', async (name) => {
      const template = templates[name as keyof typeof templates];
      const published: Published[] = [];
      const fns = Object.values(resources(template)).filter((r) => r.Type === 'AWS::Lambda::Function');
      if (fns.some((f) => String(f.Properties.Description).includes('recovery point')))
        published.push(...(await freshnessPublishes(template)));
      if (fns.some((f) => f.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === CONFORMANCE_METRICS.service))
        published.push(...(await conformancePublishes(template)));
      if (fns.some((f) => f.Properties.Environment?.Variables?.RXDR_DRILL_MAX_AGE_SECONDS)) {
        published.push(...(await sweeperPublishes(template)), ...(await recorderPublishes(config)));
      }

      const alarms = Object.entries(resources(template)).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm');
      const problems = alarms.flatMap(([id, alarm]) =>
        metricsOf(alarm).flatMap((read) => {
          const why = unmatched(read, template, published);
          return why ? [`${id}: ${why}`] : [];
        }),
      );
      expect(problems).toEqual([]);
    });
  },
);
