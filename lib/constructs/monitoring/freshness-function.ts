import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { acknowledgeHipaaAndNist } from '../../compliance/acknowledgements';
import { retainedLogGroup } from '../retained-log-group';
import { Construct } from 'constructs';
import { ownLogsStatement } from '../managed-policy-role';
import { lambdaEntry } from '../lambda-entry';
import { FUNCTION_BUNDLING, FUNCTION_PLATFORM } from '../function-runtime';

/** The scheduled event's shape (validated again by the function's zod schema). */
export interface FreshnessCheckInput {
  readonly environment: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly vaults: readonly { readonly name: string; readonly region: string }[];
  readonly databases: readonly { readonly name: string; readonly resourceArn: string }[];
}

/** The restorable-time schedule's event (validated again by the function's zod schema). */
export interface RestorableTimeCheckInput {
  readonly check: 'restorable-time';
  readonly environment: string;
  readonly namespace: string;
  readonly databases: FreshnessCheckInput['databases'];
}

export interface RecoveryPointFreshnessProps {
  /** What the scheduled run checks and where it publishes. */
  readonly check: FreshnessCheckInput;
  /** ARNs of the vaults in `check.vaults`: the only resources the function may list recovery points of. */
  readonly vaultArns: readonly string[];
  /** Customer-managed key of the log group (the environment holds only the service name and namespace). */
  readonly key: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** @default Duration.minutes(15) */
  readonly interval?: Duration;
  /**
   * Databases with continuous backup whose latest restorable time the function also publishes, on its own
   * schedule (`restorableTimeInterval`). The function may describe these instances and no others.
   * @default - no restorable-time check
   */
  readonly restorableTimeOf?: FreshnessCheckInput['databases'];
  /** @default Duration.minutes(1) */
  readonly restorableTimeInterval?: Duration;
}

/**
 * The scheduled freshness function: every `interval` it lists the protected databases' recovery points in
 * the vaults and publishes their ages (`engines/freshness`). Its own role may write its log group, list
 * recovery points of the named vaults and put metric data into one namespace; nothing else.
 */
export class RecoveryPointFreshness extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;
  readonly schedule: events.Rule;
  /** The restorable-time check's schedule, when `restorableTimeOf` names databases. */
  readonly restorableTimeSchedule?: events.Rule;

  constructor(scope: Construct, id: string, props: RecoveryPointFreshnessProps) {
    super(scope, id);
    if (props.vaultArns.length !== props.check.vaults.length) {
      throw new Error(
        `RecoveryPointFreshness needs one vault ARN per vault to check, got ${props.vaultArns.length} ARNs for ${props.check.vaults.length} vaults`,
      );
    }
    const restorable = props.restorableTimeOf ?? [];
    // Token strings keep formatArn's literal parts, so the resource type is readable before synthesis.
    const restorableClusters = restorable.filter((db) => db.resourceArn.includes(':cluster:'));
    const restorableInstances = restorable.filter((db) => !db.resourceArn.includes(':cluster:'));
    const logGroup = retainedLogGroup(this, 'Logs', props.key, props.logRetention);
    // A managed policy of our own rather than the role's inline default policy (HIPAA/NIST IAMNoInlinePolicy).
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `rxdr ${props.check.environment}: freshness function - own logs, list recovery points of the rxdr vault, publish ${props.check.namespace} metrics`,
      statements: [
        // The log group's ARN attribute ends in ":*" and so covers its streams.
        ownLogsStatement(logGroup.logGroupArn),
        new iam.PolicyStatement({
          sid: 'ListRecoveryPoints',
          actions: ['backup:ListRecoveryPointsByBackupVault'],
          resources: [...props.vaultArns],
        }),
        ...(restorableInstances.length > 0
          ? [
              new iam.PolicyStatement({
                sid: 'ReadRestorableTime',
                actions: ['rds:DescribeDBInstances'],
                resources: restorableInstances.map((db) => db.resourceArn),
              }),
            ]
          : []),
        ...(restorableClusters.length > 0
          ? [
              new iam.PolicyStatement({
                sid: 'ReadClusterRestorableTime',
                actions: ['rds:DescribeDBClusters'],
                resources: restorableClusters.map((db) => db.resourceArn),
              }),
            ]
          : []),
        new iam.PolicyStatement({
          sid: 'PublishAges',
          actions: ['cloudwatch:PutMetricData'],
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': props.check.namespace } },
        }),
      ],
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `rxdr ${props.check.environment}: the freshness function lists recovery points and publishes their ages`,
      managedPolicies: [this.policy],
    });

    this.fn = new nodejs.NodejsFunction(this, 'Fn', {
      entry: lambdaEntry('freshness'),
      handler: 'handler',
      description: `rxdr ${props.check.environment}: age of the newest recovery point per protected database and vault`,
      ...FUNCTION_PLATFORM,
      memorySize: 256,
      timeout: Duration.minutes(2),
      role: this.role,
      logGroup,
      // One run at a time; a run that is throttled or missed publishes nothing, which the alarms treat as breaching.
      reservedConcurrentExecutions: 1,
      retryAttempts: 0,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'rxdr-freshness',
        POWERTOOLS_METRICS_NAMESPACE: props.check.namespace,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: FUNCTION_BUNDLING,
    });

    this.schedule = new events.Rule(this, 'Schedule', {
      description: `rxdr ${props.check.environment}: run the recovery point freshness check`,
      schedule: events.Schedule.rate(props.interval ?? Duration.minutes(15)),
      targets: [
        new targets.LambdaFunction(this.fn, {
          event: events.RuleTargetInput.fromObject(props.check),
          retryAttempts: 0,
        }),
      ],
    });

    if (restorable.length > 0) {
      const input: RestorableTimeCheckInput = {
        check: 'restorable-time',
        environment: props.check.environment,
        namespace: props.check.namespace,
        databases: restorable,
      };
      this.restorableTimeSchedule = new events.Rule(this, 'RestorableTimeSchedule', {
        description: `rxdr ${props.check.environment}: publish the seconds since each continuously backed-up database's latest restorable time`,
        schedule: events.Schedule.rate(props.restorableTimeInterval ?? Duration.minutes(1)),
        targets: [
          new targets.LambdaFunction(this.fn, { event: events.RuleTargetInput.fromObject(input), retryAttempts: 0 }),
        ],
      });
    }

    this.acknowledgeFindings(props.check.namespace);
  }

  private acknowledgeFindings(namespace: string): void {
    // The finding id names the resource: cdk-nag matches acknowledgements of array findings exactly.
    Validations.of(this.policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `cloudwatch:PutMetricData supports no resource-level permissions; the statement is limited to the ${namespace} namespace by a cloudwatch:namespace condition`,
    });
    const outsideVpc =
      'the function calls only the AWS Backup and CloudWatch control-plane APIs and never reads patient data; a VPC would add endpoints and nothing to protect';
    acknowledgeHipaaAndNist(this.fn, 'LambdaInsideVPC', outsideVpc);
    const noDlq =
      'the schedule re-runs the check every 15 minutes and a failed or dropped run publishes no ' +
      'datapoint, which the freshness alarms treat as breaching; a dead-letter queue would hold ' +
      'stale schedule ticks nobody replays';
    acknowledgeHipaaAndNist(this.fn, 'LambdaDLQ', noDlq);
  }
}
