import { Template } from 'aws-cdk-lib/assertions';
import { CONFORMANCE_METRICS } from '../../engines/common/metrics-contract';
import { shippedConfig } from '../helpers/config';
import { plain, type Json } from '../helpers/intrinsics';
import { synthStage } from '../helpers/synth';
import { isCluster, isInstance } from '../../lib/config/database-kind';

/*
 * The scheduled conformance check in every shipped environment: in each region where protected instances
 * live, a function whose schedule names every instance of that region (adopted ones included), a role that
 * only reads, and an alarm per finding kind reading the metric-contract names.
 */

type Resource = { Type: string; Properties: Record<string, Json> };
const resources = (template: Template) => template.toJSON().Resources as Record<string, Resource>;

/** The conformance function's scheduled event, its role's statements and the template's conformance alarms. */
function conformanceOf(template: Template) {
  const all = resources(template);
  const [fnId] = Object.entries(all).find(
    ([, r]) =>
      r.Type === 'AWS::Lambda::Function' &&
      r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === CONFORMANCE_METRICS.service,
  ) ?? [undefined];
  if (!fnId) return undefined;
  const rule = Object.values(all).find(
    (r) =>
      r.Type === 'AWS::Events::Rule' &&
      (r.Properties.Targets as Json[]).some((t) => t.Arn?.['Fn::GetAtt']?.[0] === fnId),
  )!;
  const event = JSON.parse(plain((rule.Properties.Targets as Json[])[0].Input));
  const roleId = all[fnId]!.Properties.Role['Fn::GetAtt'][0];
  const statements = Object.values(all)
    .filter(
      (r) => r.Type === 'AWS::IAM::ManagedPolicy' && (r.Properties.Roles as Json[])?.some((x) => x.Ref === roleId),
    )
    .flatMap((p) => plain(p.Properties.PolicyDocument.Statement) as Json[]);
  const alarms = Object.values(all).filter(
    (r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.Namespace === CONFORMANCE_METRICS.namespace,
  );
  return { event, statements, alarms, schedule: rule.Properties.ScheduleExpression };
}

describe.each(shippedConfig().environments.map((env) => [env.name, env] as const))(
  'conformance check in %s',
  (_, config) => {
    const { stage, primary, recovery } = synthStage(config);
    const standby = Template.fromStack(stage.standby);
    const instances = config.databases.filter(isInstance);
    const instanceOf = (db: (typeof instances)[number]) =>
      db.mode === 'adopt' ? db.instanceIdentifier : `rxdr-${config.name}-${db.name}`;

    test('the primary region checks every protected source instance, created and adopted, hourly', () => {
      const check = conformanceOf(primary)!;
      expect(check.schedule).toBe('rate(1 hour)');
      expect(check.event.environment).toBe(config.name);
      const instanceTargets = check.event.targets.filter((t: Json) => t.resource !== 'cluster');
      expect(instanceTargets.map((t: Json) => [t.database, t.role, t.instanceIdentifier, t.region])).toEqual(
        instances.map((db) => [db.name, 'primary', instanceOf(db), config.primaryRegion]),
      );
      for (const target of instanceTargets) expect(target.backupReplicationRegion).toBe(config.recoveryRegion);
      // Aurora clusters are checked as clusters, with IAM authentication and no automated-backup replication.
      const clusterTargets = check.event.targets.filter((t: Json) => t.resource === 'cluster');
      expect(clusterTargets.map((t: Json) => t.database)).toEqual(
        config.databases.filter(isCluster).map((db) => db.name),
      );
      for (const target of clusterTargets) expect(target).toMatchObject({ iamAuthentication: true });
    });

    test('the recovery region checks every warm-standby replica (they become production on promotion)', () => {
      const replicas = instances.filter((db) => db.tierPreset.crossRegionReadReplica);
      const check = conformanceOf(standby);
      if (replicas.length === 0) return expect(check).toBeUndefined();
      const replicaInstances = check!.event.targets.filter((t: Json) => t.resource !== 'cluster');
      expect(replicaInstances.map((t: Json) => [t.database, t.role, t.region, t.expectedKey])).toEqual(
        replicas.map((db) => [db.name, 'replica', config.recoveryRegion, `alias/rxdr-${config.name}-recovery`]),
      );
    });

    test('least privilege: read-only actions, DescribeDBInstances only on the checked instances', () => {
      for (const template of [primary, standby]) {
        const check = conformanceOf(template);
        if (!check) continue;
        const actions = check.statements.flatMap((s: Json) => [s.Action].flat());
        expect(actions.sort()).toEqual(
          [
            'cloudwatch:PutMetricData',
            'kms:DescribeKey',
            'logs:CreateLogStream',
            'logs:PutLogEvents',
            'rds:DescribeDBInstances',
            'rds:DescribeDBParameters',
            ...(check.event.targets.some((t: Json) => t.backupReplicationRegion)
              ? ['rds:DescribeDBInstanceAutomatedBackups']
              : []),
            ...(check.event.targets.some((t: Json) => t.resource === 'cluster')
              ? ['rds:DescribeDBClusters', 'rds:DescribeDBClusterParameters', 'rds:DescribeDBInstances']
              : []),
          ].sort(),
        );
        const describe = check.statements.find((s: Json) => s.Sid === 'DescribeProtectedInstances');
        expect([describe.Resource].flat().sort()).toEqual(
          check.event.targets
            .filter((t: Json) => t.resource !== 'cluster')
            .map((t: Json) => `arn:aws:rds:${t.region}:${config.account}:db:${t.instanceIdentifier}`)
            .sort(),
        );
        const publish = check.statements.find((s: Json) => s.Action === 'cloudwatch:PutMetricData');
        expect(publish.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': CONFORMANCE_METRICS.namespace } });
        const backups = check.statements.find((s: Json) => s.Action === 'rds:DescribeDBInstanceAutomatedBackups');
        if (backups)
          expect(backups.Resource).toBe(`arn:aws:rds:${config.recoveryRegion}:${config.account}:auto-backup:*`);
      }
    });

    test('an alarm per finding kind, and one for instances not read, each notifying the alerts topic', () => {
      for (const template of [primary, standby]) {
        const check = conformanceOf(template);
        if (!check) continue;
        const byMetric = Object.fromEntries(check.alarms.map((a: Resource) => [a.Properties.MetricName, a.Properties]));
        for (const metric of Object.values(CONFORMANCE_METRICS.findings))
          expect(byMetric[metric]).toMatchObject({
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            Dimensions: [{ Name: 'Environment', Value: config.name }],
            AlarmActions: [expect.anything()],
          });
        expect(byMetric[CONFORMANCE_METRICS.databasesChecked]).toMatchObject({
          Threshold: check.event.targets.length,
          ComparisonOperator: 'LessThanThreshold',
          TreatMissingData: 'breaching',
        });
        expect(check.alarms).toHaveLength(Object.keys(CONFORMANCE_METRICS.findings).length + 1);
      }
    });

    test("the operator roles' read statement allows every call rxdr status makes for conformance", () => {
      const reads = Object.values(resources(recovery))
        .filter((r) => r.Type === 'AWS::IAM::ManagedPolicy')
        .flatMap((p) => p.Properties.PolicyDocument.Statement as Json[])
        .filter((s) => s.Sid === 'ReadBackupPlansJobsAndReports');
      expect(reads.length).toBeGreaterThan(0);
      for (const statement of reads)
        expect(statement.Action).toEqual(
          expect.arrayContaining([
            'rds:DescribeDBInstances',
            'rds:DescribeDBParameters',
            'rds:DescribeDBInstanceAutomatedBackups',
            'kms:DescribeKey',
          ]),
        );
    });
  },
);
