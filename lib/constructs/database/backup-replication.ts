import { CustomResource, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { retainedLogGroup } from '../retained-log-group';
import { Construct, IDependable } from 'constructs';
import { lambdaEntry } from '../lambda-entry';
import { acknowledgeHipaaAndNist, acknowledgeWildcardResources } from '../../compliance/acknowledgements';
import { keyAliasArn, keysInRegion } from './arns';
import { FUNCTION_BUNDLING, FUNCTION_PLATFORM } from '../function-runtime';

/** A database whose automated backups are replicated. */
export interface ReplicatedDatabase {
  /** Unique among the databases (the custom resource's construct id). */
  readonly name: string;
  /** ARN of the source DB instance in this stack's region. */
  readonly instanceArn: string;
  /** Something to create the replication after, e.g. the instance this stack creates. */
  readonly dependsOn?: IDependable;
}

export interface AutomatedBackupReplicationProps {
  readonly databases: readonly ReplicatedDatabase[];
  /** Region the backups are replicated to. */
  readonly destinationRegion: string;
  /** Alias of the destination region's customer-managed key, e.g. `alias/rxdr-prod-recovery`. */
  readonly destinationKeyAlias: string;
  /** Days replicated backups are kept in the destination region (its point-in-time window), 1-35. */
  readonly retentionDays: number;
  /** Encrypts the function's log group and environment. */
  readonly key: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /**
   * Keys of the source instances in this region that the function may describe and create grants on.
   * @default - none (adopted instances' keys must allow the function's role themselves)
   */
  readonly sourceKeys?: readonly kms.IKey[];
}

/**
 * Cross-region replication of RDS automated backups (point-in-time restore in the recovery region), one
 * custom resource per database: CloudFormation has no resource for
 * StartDBInstanceAutomatedBackupsReplication. The function calls RDS in the destination region with the
 * source ARN and the destination key; deleting the resource stops the replication (replicated backups are
 * kept until their retention ends). The function runs outside any VPC: it calls RDS and KMS APIs in two
 * regions, which isolated subnets cannot reach without a NAT gateway, and it never touches patient data.
 */
export class AutomatedBackupReplication extends Construct {
  readonly function: nodejs.NodejsFunction;
  /** The custom resource per database name; `getAttString('DBInstanceAutomatedBackupsArn')` is the replicated backups' ARN. */
  readonly replications: Readonly<Record<string, CustomResource>>;
  /** The destination key's alias ARN, as passed to the function. */
  readonly destinationKeyAliasArn: string;
  /** Everything the function may do. */
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: AutomatedBackupReplicationProps) {
    super(scope, id);
    const problems: string[] = [];
    if (props.databases.length === 0) problems.push('databases must list at least one database, got none');
    const duplicates = props.databases.map((db) => db.name).filter((name, index, all) => all.indexOf(name) !== index);
    if (duplicates.length > 0)
      problems.push(`database names must be unique, got ${duplicates.map((n) => `"${n}"`).join(', ')} more than once`);
    if (!Number.isInteger(props.retentionDays) || props.retentionDays < 1 || props.retentionDays > 35) {
      problems.push(
        `retentionDays must be a whole number of days from 1 to 35 (the RDS maximum), got ${props.retentionDays}`,
      );
    }
    if (problems.length > 0)
      throw new Error(
        `Invalid AutomatedBackupReplication ${this.node.path}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      );

    this.destinationKeyAliasArn = keyAliasArn(this, props.destinationRegion, props.destinationKeyAlias);
    const instanceArns = props.databases.map((db) => db.instanceArn);

    const logGroup = retainedLogGroup(this, 'Logs', props.key, props.logRetention);
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'rxdr: start and stop cross-region replication of RDS automated backups',
    });
    // IAM evaluates KMS permissions against key ARNs, which the primary stack cannot know without a
    // cross-region reference: allow keys of the destination region that carry the recovery alias only.
    const destinationKeyCondition = {
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [props.destinationKeyAlias] },
    };
    const statements = [
      new iam.PolicyStatement({
        sid: 'WriteItsOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
      new iam.PolicyStatement({
        sid: 'ReplicateTheProtectedInstancesOnly',
        actions: [
          'rds:DescribeDBInstances',
          'rds:StartDBInstanceAutomatedBackupsReplication',
          'rds:StopDBInstanceAutomatedBackupsReplication',
        ],
        resources: instanceArns,
      }),
      new iam.PolicyStatement({
        sid: 'DescribeTheRecoveryKey',
        actions: ['kms:DescribeKey'],
        resources: [keysInRegion(this, props.destinationRegion)],
        conditions: destinationKeyCondition,
      }),
      new iam.PolicyStatement({
        sid: 'RdsEncryptsReplicatedBackupsWithTheRecoveryKey',
        actions: ['kms:CreateGrant'],
        resources: [keysInRegion(this, props.destinationRegion)],
        conditions: { ...destinationKeyCondition, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
      ...(props.sourceKeys ?? []).map(
        (sourceKey) =>
          new iam.PolicyStatement({
            actions: ['kms:DescribeKey', 'kms:CreateGrant'],
            resources: [sourceKey.keyArn],
            conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
          }),
      ),
    ];
    // A managed policy of our own, not an inline one (HIPAA/NIST IAMNoInlinePolicy).
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: "rxdr: cross-region replication of the protected instances' automated backups",
      roles: [role],
      statements,
    });

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: lambdaEntry('backup-replication'),
      handler: 'handler',
      description: 'rxdr: Custom::RdsAutomatedBackupReplication (start/stop cross-region automated-backup replication)',
      ...FUNCTION_PLATFORM,
      memorySize: 256,
      // An update that changes the key restarts the replication and waits for the stop (up to ~5 min).
      timeout: Duration.minutes(10),
      role: role.withoutPolicyUpdates(),
      logGroup,
      environmentEncryption: props.key,
      reservedConcurrentExecutions: 2,
      environment: { NODE_OPTIONS: '--enable-source-maps' },
      bundling: FUNCTION_BUNDLING,
    });

    const replications: Record<string, CustomResource> = {};
    for (const db of props.databases) {
      const resource = new CustomResource(this, db.name, {
        serviceToken: this.function.functionArn,
        resourceType: 'Custom::RdsAutomatedBackupReplication',
        properties: {
          SourceDBInstanceArn: db.instanceArn,
          DestinationRegion: props.destinationRegion,
          KmsKeyId: this.destinationKeyAliasArn,
          BackupRetentionPeriod: props.retentionDays,
        },
      });
      if (db.dependsOn) resource.node.addDependency(db.dependsOn);
      // CloudFormation must not call the function before its permissions exist (delete: before they go).
      resource.node.addDependency(this.policy);
      replications[db.name] = resource;
    }
    this.replications = replications;

    this.acknowledgeFindings(props);
  }

  private acknowledgeFindings(props: AutomatedBackupReplicationProps): void {
    acknowledgeWildcardResources(
      this.policy,
      [keysInRegion(this, props.destinationRegion)],
      `the recovery key lives in another region and stack, so its key ARN is unknown here; the ` +
        `statements are limited to keys in ${props.destinationRegion} carrying the alias ` +
        `${props.destinationKeyAlias} (kms:ResourceAliases), and CreateGrant to grants for AWS resources`,
    );
    const outsideVpc =
      'the function calls RDS and KMS control-plane APIs in two regions and handles no patient ' +
      "data; isolated subnets cannot reach another region's endpoints without a NAT gateway, " +
      'which would add an internet path to the database network';
    acknowledgeHipaaAndNist(this.function, 'LambdaInsideVPC', outsideVpc);
    const noDlq =
      'CloudFormation invokes this custom-resource handler and waits for its answer; the handler ' +
      'answers FAILED on every error, so a failure rolls the stack back visibly and a ' +
      'dead-letter queue would hold nothing actionable';
    acknowledgeHipaaAndNist(this.function, 'LambdaDLQ', noDlq);
  }
}
