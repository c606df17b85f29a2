import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { ConformanceEvent, ConformanceTarget } from '../../../engines/conformance/target';
import {
  CONFORMANCE_METRICS,
  ConformanceFindingKind,
  conformanceDimensions,
} from '../../../engines/common/metrics-contract';
import { acknowledgeHipaaAndNist, acknowledgeWildcardResources } from '../../compliance/acknowledgements';
import { FUNCTION_BUNDLING, FUNCTION_PLATFORM } from '../function-runtime';
import { lambdaEntry } from '../lambda-entry';
import { acknowledgeOwnLogStreams, lambdaLogsAndRole } from '../managed-policy-role';

/** How often the check runs, and the alarms' period. */
export const CONFORMANCE_CHECK_HOURS = 1;

/** What each finding kind's alarm says is wrong (the finding's detail in the logs names the values). */
const FINDING_DESCRIPTIONS: Readonly<Record<ConformanceFindingKind, string>> = {
  storageEncryption: 'storage is unencrypted or not on a customer-managed key (the expected one for created instances)',
  backupRetention: 'automated backups are kept fewer days than the tier asks for',
  deletionProtection: 'deletion protection is off',
  publicAccess: 'the instance is publicly accessible',
  forceSsl: 'rds.force_ssl is not 1 (or waits for a reboot)',
  pgaudit: 'pgaudit is not loaded or not configured as the reference instance (or waits for a reboot)',
  engineSupport: 'the engine is past its end of RDS standard support',
  autoMinorVersionUpgrade: 'automatic minor version upgrades are off',
  multiAz: 'the instance is single-AZ where the environment runs Multi-AZ',
  backupReplication: 'automated backups are not replicating to the recovery region',
  iamAuthentication: 'IAM database authentication is off on a cluster',
};

export interface ConformanceCheckProps {
  readonly environment: string;
  /** The instances of this stack's region (`conformanceTargets(config, region)`). */
  readonly targets: readonly ConformanceTarget[];
  readonly key: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  readonly topic: sns.ITopic;
}

/**
 * The scheduled conformance check of one region (`lambda/conformance.ts`, engine in `engines/conformance`):
 * every hour it reads each target's actual settings and publishes one metric per finding kind; an alarm per
 * kind pages when any instance has it, and one when fewer instances could be read than configured (or the
 * check did not run). Its role may describe the named instances, parameter groups, replicated automated
 * backups and keys of the account, and put metric data into one namespace; nothing else, nothing that writes.
 */
export class ConformanceCheck extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly schedule: events.Rule;
  /** One alarm per finding kind, and `unchecked` for instances not read. */
  readonly alarms: Readonly<Record<ConformanceFindingKind | 'unchecked', cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: ConformanceCheckProps) {
    super(scope, id);
    const regions = [...new Set(props.targets.map((t) => t.region))];
    const stack = Stack.of(this);
    if (props.targets.length === 0 || regions.length !== 1 || regions[0] !== stack.region)
      throw new Error(
        `ConformanceCheck ${this.node.path} checks the instances of its own region ${stack.region}, got ${props.targets.length} targets in ${regions.join(', ') || 'no region'}`,
      );
    const arn = (service: string, region: string, resource: string, resourceName: string) =>
      stack.formatArn({ service, region, resource, resourceName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const parameterGroups = arn('rds', stack.region, 'pg', '*');
    const replicated = [...new Set(props.targets.flatMap((t) => t.backupReplicationRegion ?? []))].map((region) =>
      arn('rds', region, 'auto-backup', '*'),
    );
    const keys = stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*' });

    const { logGroup, role } = lambdaLogsAndRole(this, {
      key: props.key,
      logRetention: props.logRetention,
      description: `rxdr ${props.environment}: the conformance check reads database settings and publishes findings`,
    });
    const clusters = props.targets.filter((t) => t.resource === 'cluster');
    // Clusters: their settings, their cluster parameter group, and their members (public access, minor upgrades).
    const clusterStatements =
      clusters.length === 0
        ? []
        : [
            new iam.PolicyStatement({
              sid: 'DescribeProtectedClusters',
              actions: ['rds:DescribeDBClusters'],
              resources: clusters.map((t) => arn('rds', t.region, 'cluster', t.instanceIdentifier)),
            }),
            new iam.PolicyStatement({
              sid: 'ReadClusterParameterGroups',
              actions: ['rds:DescribeDBClusterParameters'],
              resources: [arn('rds', stack.region, 'cluster-pg', '*')],
            }),
            new iam.PolicyStatement({
              sid: 'DescribeClusterMembers',
              actions: ['rds:DescribeDBInstances'],
              resources: [arn('rds', stack.region, 'db', '*')],
            }),
          ];
    const instances = props.targets.filter((t) => t.resource !== 'cluster');
    const statements = [
      ...(instances.length === 0
        ? []
        : [
            new iam.PolicyStatement({
              sid: 'DescribeProtectedInstances',
              actions: ['rds:DescribeDBInstances'],
              resources: instances.map((t) => arn('rds', t.region, 'db', t.instanceIdentifier)),
            }),
          ]),
      new iam.PolicyStatement({
        sid: 'ReadParameterGroups',
        actions: ['rds:DescribeDBParameters'],
        resources: [parameterGroups],
      }),
      ...clusterStatements,
      new iam.PolicyStatement({ sid: 'DescribeStorageKeys', actions: ['kms:DescribeKey'], resources: [keys] }),
      new iam.PolicyStatement({
        sid: 'PublishFindings',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': CONFORMANCE_METRICS.namespace } },
      }),
    ];
    if (replicated.length > 0)
      statements.push(
        new iam.PolicyStatement({
          sid: 'DescribeReplicatedBackups',
          actions: ['rds:DescribeDBInstanceAutomatedBackups'],
          resources: replicated,
        }),
      );
    for (const statement of statements) role.addToPrincipalPolicy(statement);

    this.fn = new nodejs.NodejsFunction(this, 'Fn', {
      entry: lambdaEntry('conformance'),
      handler: 'handler',
      description: `rxdr ${props.environment}: conformance of the protected databases' settings in ${stack.region}`,
      ...FUNCTION_PLATFORM,
      memorySize: 256,
      timeout: Duration.minutes(2),
      role,
      logGroup,
      reservedConcurrentExecutions: 1,
      retryAttempts: 0,
      environment: { POWERTOOLS_SERVICE_NAME: CONFORMANCE_METRICS.service, NODE_OPTIONS: '--enable-source-maps' },
      bundling: FUNCTION_BUNDLING,
    });
    const event: ConformanceEvent = { environment: props.environment, targets: [...props.targets] };
    this.schedule = new events.Rule(this, 'Schedule', {
      description: `rxdr ${props.environment}: run the database conformance check`,
      schedule: events.Schedule.rate(Duration.hours(CONFORMANCE_CHECK_HOURS)),
      targets: [
        new targets.LambdaFunction(this.fn, { event: events.RuleTargetInput.fromObject(event), retryAttempts: 0 }),
      ],
    });

    this.alarms = this.createAlarms(props);
    const clusterWildcards =
      clusters.length === 0 ? [] : [arn('rds', stack.region, 'cluster-pg', '*'), arn('rds', stack.region, 'db', '*')];
    this.acknowledgeFindings(role, logGroup, [parameterGroups, keys, ...replicated, ...clusterWildcards]);
  }

  private createAlarms(props: ConformanceCheckProps): Record<ConformanceFindingKind | 'unchecked', cloudwatch.Alarm> {
    const action = new actions.SnsAction(props.topic);
    const region = Stack.of(this).region;
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace: CONFORMANCE_METRICS.namespace,
        metricName,
        dimensionsMap: conformanceDimensions(props.environment),
        statistic,
        period: Duration.hours(CONFORMANCE_CHECK_HOURS),
        unit: cloudwatch.Unit.COUNT,
      });
    const notify = (alarm: cloudwatch.Alarm) => {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      return alarm;
    };
    const alarms = {} as Record<ConformanceFindingKind | 'unchecked', cloudwatch.Alarm>;
    for (const [kind, metricName] of Object.entries(CONFORMANCE_METRICS.findings) as [ConformanceFindingKind, string][])
      alarms[kind] = notify(
        metric(metricName, cloudwatch.Stats.MAXIMUM).createAlarm(this, `Finding-${kind}`, {
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          // A run that did not happen is the `unchecked` alarm's business.
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
          alarmDescription:
            `rxdr ${props.environment}: a protected database in ${region}: ${FINDING_DESCRIPTIONS[kind]}. ` +
            `\`rxdr status --env ${props.environment}\` names it; the conformance function's logs hold the values.`,
        }),
      );
    alarms.unchecked = notify(
      metric(CONFORMANCE_METRICS.databasesChecked, cloudwatch.Stats.MINIMUM).createAlarm(this, 'Unchecked', {
        threshold: props.targets.length,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        alarmDescription:
          `rxdr ${props.environment}: the conformance check read fewer than the ${props.targets.length} ` +
          `protected database instance(s) of ${region} for 2 hours, or did not run (see its logs).`,
      }),
    );
    return alarms;
  }

  private acknowledgeFindings(role: iam.Role, logGroup: logs.LogGroup, wildcards: string[]): void {
    acknowledgeOwnLogStreams(role, logGroup);
    acknowledgeWildcardResources(
      role,
      wildcards,
      "read-only: an adopted instance's or cluster's parameter group, storage key, replicated automated backups and cluster members have names rxdr does not know before it reads the instance or cluster",
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `cloudwatch:PutMetricData supports no resource-level permissions; limited to the ${CONFORMANCE_METRICS.namespace} namespace by a condition`,
    });
    const outsideVpc =
      'the function calls only the RDS, KMS and CloudWatch control-plane APIs (Describe*, PutMetricData) and never connects to a database';
    acknowledgeHipaaAndNist(this.fn, 'LambdaInsideVPC', outsideVpc);
    const noDlq =
      'the schedule re-runs the check every hour; a failed run reads fewer instances than configured, which its own alarm reports; a dead-letter queue would hold stale ticks nobody replays';
    acknowledgeHipaaAndNist(this.fn, 'LambdaDLQ', noDlq);
  }
}
