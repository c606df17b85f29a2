import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { ReadinessRules } from '../../../engines/readiness/readiness';
import type { RosterCheckEvent } from '../../../engines/readiness/roster-check';
import { PEOPLE_PREFIX } from '../../../engines/readiness/records';
import { acknowledgeHipaaAndNist, acknowledgeWildcardResources } from '../../compliance/acknowledgements';
import { FUNCTION_BUNDLING, FUNCTION_PLATFORM } from '../function-runtime';
import { lambdaEntry } from '../lambda-entry';
import { acknowledgeOwnLogStreams, lambdaLogsAndRole } from '../managed-policy-role';

export interface RosterCheckProps {
  readonly environment: string;
  /** The on-call roster and its rules (`readinessRules(config)`). */
  readonly rules: ReadinessRules;
  /** Where the people records are (`people/<environment>/`). */
  readonly evidenceBucket: s3.IBucket;
  /** The environment's contacts. */
  readonly topic: sns.ITopic;
  readonly key: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** @default - every day at 13:00 UTC (morning in the US) */
  readonly schedule?: events.Schedule;
}

/**
 * Every day, `lambda/roster-check.ts` reads the people records and tells the environment's contacts (the alerts
 * topic) who on the on-call roster is overdue for a game day or lacks training. Its role may read only this
 * environment's people records and publish to the one topic.
 */
export class RosterCheck extends Construct {
  readonly fn: nodejs.NodejsFunction;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: RosterCheckProps) {
    super(scope, id);
    const { logGroup, role } = lambdaLogsAndRole(this, {
      key: props.key,
      logRetention: props.logRetention,
      description: `rxdr ${props.environment}: the roster check reads people records and notifies the contacts`,
    });
    const people = `${PEOPLE_PREFIX}${props.environment}/`;
    const region = Stack.of(this).region;
    const statements = [
      new iam.PolicyStatement({
        sid: 'ListPeopleRecords',
        actions: ['s3:ListBucket'],
        resources: [props.evidenceBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${people}*`] } },
      }),
      new iam.PolicyStatement({
        sid: 'ReadPeopleRecords',
        actions: ['s3:GetObject'],
        resources: [props.evidenceBucket.arnForObjects(`${people}*`)],
      }),
      new iam.PolicyStatement({ sid: 'NotifyContacts', actions: ['sns:Publish'], resources: [props.topic.topicArn] }),
      new iam.PolicyStatement({
        sid: 'UseTheKeyThroughS3AndSns',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': [`s3.${region}.amazonaws.com`, `sns.${region}.amazonaws.com`] },
        },
      }),
    ];
    for (const statement of statements) role.addToPrincipalPolicy(statement);
    this.fn = new nodejs.NodejsFunction(this, 'Fn', {
      entry: lambdaEntry('roster-check'),
      handler: 'handler',
      description: `rxdr ${props.environment}: tell the contacts who on the on-call roster is overdue`,
      ...FUNCTION_PLATFORM,
      memorySize: 256,
      timeout: Duration.minutes(1),
      role,
      logGroup,
      reservedConcurrentExecutions: 1,
      retryAttempts: 0,
      environment: { EVIDENCE_BUCKET: props.evidenceBucket.bucketName, NODE_OPTIONS: '--enable-source-maps' },
      bundling: FUNCTION_BUNDLING,
    });
    const event: RosterCheckEvent = {
      environment: props.environment,
      topicArn: props.topic.topicArn,
      rules: {
        ...props.rules,
        engineers: [...props.rules.engineers],
        approvers: [...props.rules.approvers],
        topics: { engineer: [...props.rules.topics.engineer], approver: [...props.rules.topics.approver] },
      },
    };
    this.schedule = new events.Rule(this, 'Schedule', {
      description: `rxdr ${props.environment}: check the on-call roster's readiness`,
      schedule: props.schedule ?? events.Schedule.cron({ minute: '0', hour: '13' }),
      targets: [
        new targets.LambdaFunction(this.fn, { event: events.RuleTargetInput.fromObject(event), retryAttempts: 0 }),
      ],
    });
    this.acknowledge(role, logGroup, props.evidenceBucket, people);
  }

  private acknowledge(role: iam.Role, logGroup: logs.LogGroup, bucket: s3.IBucket, people: string) {
    acknowledgeOwnLogStreams(role, logGroup);
    acknowledgeWildcardResources(
      role,
      [`${bucket.bucketArn}/${people}*`],
      "read-only: this environment's people records, one object per training or game-day participation",
    );
    const outsideVpc = 'the function calls only the S3 and SNS APIs and never connects to a database';
    acknowledgeHipaaAndNist(this.fn, 'LambdaInsideVPC', outsideVpc);
    const noDlq = 'the schedule runs the check again every day; a failed run shows in the function errors';
    acknowledgeHipaaAndNist(this.fn, 'LambdaDLQ', noDlq);
  }
}
