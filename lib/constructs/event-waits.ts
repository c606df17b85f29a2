import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { EVENT_WAITS_ENV } from '../../engines/event-waits/environment';
import { TOKEN_TABLE } from '../../engines/event-waits/token-table';
import { DrillFunction } from './drill/drill-function';
import { lambdaEntry } from './lambda-entry';
import { deadLetterQueue } from './dead-letter-queue';

export interface EventWaitsProps {
  readonly key: kms.IKey;
  /** Which RDS DB instances' events resume waits: identifier prefixes (drill instances) or exact identifiers. */
  readonly instances: WaitedInstances;
  /** RDS event categories that resume a wait. @default {@link RESUMING_RDS_CATEGORIES} */
  readonly categories?: readonly string[];
  /**
   * Which Aurora DB clusters' events resume waits (keyed like an instance of the same identifier: a drill's cluster
   * and its instance share one, as do a restored cluster and its writer in a failover): identifier prefixes or
   * exact identifiers, and the cluster event categories that resume them.
   * @default - no cluster events
   */
  readonly clusters?: {
    readonly prefixes?: readonly string[];
    readonly identifiers?: readonly string[];
    /** @default {@link RESUMING_CLUSTER_CATEGORIES} */
    readonly categories?: readonly string[];
  };
  readonly logRetention?: logs.RetentionDays;
}

/** The RDS DB instances whose events resume waits: identifier prefixes or exact identifiers. */
export interface WaitedInstances {
  readonly prefixes?: readonly string[];
  readonly identifiers?: readonly string[];
}

/** RDS instance event categories that can end a wait: restored, created (into a cluster), deleted, promoted, failed. */
export const RESUMING_RDS_CATEGORIES = ['restoration', 'creation', 'deletion', 'read replica', 'failure'];

/** RDS cluster event categories that can end a wait: created (a restore finished), deleted, failed. */
export const RESUMING_CLUSTER_CATEGORIES = ['creation', 'deletion', 'failure'];

/** The EventBridge pattern of the RDS instance events about `instances` in the given categories. */
export function rdsInstanceEventPattern(instances: WaitedInstances, categories: readonly string[]) {
  const match = [...(instances.identifiers ?? []), ...(instances.prefixes ?? []).map((prefix) => ({ prefix }))];
  return {
    source: ['aws.rds'],
    'detail-type': ['RDS DB Instance Event'],
    detail: { SourceType: ['DB_INSTANCE'], SourceIdentifier: match, EventCategories: [...categories] },
  };
}

/**
 * Waits resumed by events instead of polling: a `.waitForTaskToken` task leaves its token under the RDS instance
 * it waits on (a DynamoDB table with time to live), and an EventBridge rule on that instance's RDS and AWS
 * Backup events hands the token back to Step Functions. The task's timeout is the safety net: when it fires the
 * state machine describes the instance once itself, so a lost event costs time, never the execution.
 */
export class EventWaits extends Construct {
  readonly table: dynamodb.Table;
  readonly park: DrillFunction;
  readonly resume: DrillFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: EventWaitsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.table = new dynamodb.Table(this, 'Tokens', {
      partitionKey: { name: TOKEN_TABLE.key, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      timeToLiveAttribute: TOKEN_TABLE.expiresAt,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Task tokens that expire within hours: nothing here is worth keeping after the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const transient =
      'holds only task tokens of running executions, each expiring within hours (time to live); ' +
      'there is nothing to restore: a lost token only makes its wait end through the task timeout';
    for (const rule of ['HIPAA.Security-DynamoDBInBackupPlan', 'NIST.800.53.R5-DynamoDBInBackupPlan'])
      Validations.of(this.table).acknowledge({ id: rule, reason: transient });

    const environment = { [EVENT_WAITS_ENV.tableName]: this.table.tableName };
    this.park = new DrillFunction(this, 'ParkFn', {
      entry: lambdaEntry('event-waits'),
      handler: 'park',
      description: 'rxdr: leave a waiting task token under the RDS instance it waits on',
      key: props.key,
      reservedConcurrency: 10,
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
      environment,
    });
    this.park.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'LeaveTokens', actions: ['dynamodb:PutItem'], resources: [this.table.tableArn] }),
    );

    const deadLetters = deadLetterQueue(
      this,
      'ResumeDeadLetters',
      props.key,
      'the dead-letter queue of the resume Lambda; a dead-letter queue of it would hold nothing',
    );
    this.resume = new DrillFunction(this, 'ResumeFn', {
      entry: lambdaEntry('event-waits'),
      handler: 'resume',
      description: 'rxdr: an RDS or AWS Backup event resumes the task waiting on its instance',
      key: props.key,
      reservedConcurrency: 5,
      timeout: Duration.seconds(30),
      logRetention: props.logRetention,
      environment,
      deadLetterQueue: deadLetters,
    });
    this.resume.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TakeTokens',
        // PutItem gives a token back when Step Functions could not be told (the invocation is retried).
        actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
        resources: [this.table.tableArn],
      }),
    );

    const prefixes = props.instances.prefixes ?? [];
    const identifiers = props.instances.identifiers ?? [];
    if (prefixes.length + identifiers.length === 0)
      throw new Error(`EventWaits ${this.node.path}: name at least one instance prefix or identifier`);
    const clusterPrefixes = props.clusters?.prefixes ?? [];
    const clusterIdentifiers = props.clusters?.identifiers ?? [];
    const rdsArn = (type: 'db' | 'cluster', name: string) =>
      `arn:${stack.partition}:rds:${stack.region}:${stack.account}:${type}:${name}`;
    const instanceArns = [
      ...identifiers.map((name) => rdsArn('db', name)),
      ...prefixes.map((prefix) => ({ prefix: rdsArn('db', prefix) })),
      ...clusterIdentifiers.map((name) => rdsArn('cluster', name)),
      ...clusterPrefixes.map((prefix) => ({ prefix: rdsArn('cluster', prefix) })),
    ];
    this.rule = new events.Rule(this, 'ResumeRule', {
      description: "rxdr: RDS and AWS Backup events about rxdr's own instances resume the tasks waiting on them",
      eventPattern: { source: ['aws.rds', 'aws.backup'] }, // replaced below
      targets: [new eventTargets.LambdaFunction(this.resume.fn, { retryAttempts: 3, deadLetterQueue: deadLetters })],
    });
    // One rule, two shapes: `$or` keeps each service's fields with its own source.
    (this.rule.node.defaultChild as events.CfnRule).eventPattern = {
      $or: [
        rdsInstanceEventPattern(props.instances, props.categories ?? RESUMING_RDS_CATEGORIES),
        ...(clusterPrefixes.length + clusterIdentifiers.length > 0
          ? [
              {
                source: ['aws.rds'],
                'detail-type': ['RDS DB Cluster Event'],
                detail: {
                  SourceType: ['CLUSTER'],
                  SourceIdentifier: [...clusterIdentifiers, ...clusterPrefixes.map((prefix) => ({ prefix }))],
                  EventCategories: [...(props.clusters?.categories ?? RESUMING_CLUSTER_CATEGORIES)],
                },
              },
            ]
          : []),
        {
          source: ['aws.backup'],
          'detail-type': ['Restore Job State Change'],
          detail: { status: ['COMPLETED'], createdResourceArn: instanceArns },
        },
      ],
    };
  }

  /** The waiting task: leaves its token under `rds-instance:<instance>` and times out after `timeoutPath` seconds. */
  waitTask(scope: Construct, id: string, options: { instancePath: string; timeoutPath: string; resultPath: string }) {
    return new tasks.LambdaInvoke(scope, id, {
      lambdaFunction: this.park.fn,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({
        key: sfn.JsonPath.format('rds-instance:{}', sfn.JsonPath.stringAt(options.instancePath)),
        taskToken: sfn.JsonPath.taskToken,
        timeoutSeconds: sfn.JsonPath.numberAt(options.timeoutPath),
      }),
      resultPath: options.resultPath,
      retryOnServiceExceptions: false,
      taskTimeout: sfn.Timeout.at(options.timeoutPath),
    });
  }

  /** Let the resume function hand tokens back to this state machine (and no other). */
  allowResumeOf(stateMachineArn: string): void {
    this.resume.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['states:SendTaskSuccess'], resources: [stateMachineArn] }),
    );
  }
}
