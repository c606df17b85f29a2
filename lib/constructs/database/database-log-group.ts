import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface DatabaseLogGroupProps {
  /** Whether the log type is exported by an RDS instance or an Aurora cluster. */
  readonly kind: 'instance' | 'cluster';
  /** The DB instance or cluster identifier. */
  readonly identifier: string;
  /** The exported log type, e.g. `postgresql`. */
  readonly logType: string;
  readonly key: kms.IKey;
  readonly retention: logs.RetentionDays;
}

/**
 * The log group RDS exports one log type of an instance or cluster into, at the name RDS writes to. Created
 * before the database (make the database depend on it), so that RDS writes into an encrypted group with a
 * retention, not one of its own; retained with the data.
 */
export function databaseLogGroup(scope: Construct, props: DatabaseLogGroupProps): logs.LogGroup {
  return new logs.LogGroup(scope, `${props.logType}Log`, {
    logGroupName: `/aws/rds/${props.kind}/${props.identifier}/${props.logType}`,
    encryptionKey: props.key,
    retention: props.retention,
    removalPolicy: RemovalPolicy.RETAIN,
  });
}
