import { RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface DatabaseLogGroupsProps<LogType extends string> {
  /** Whether the log types are exported by an RDS instance or an Aurora cluster. */
  readonly kind: 'instance' | 'cluster';
  /** The DB instance or cluster identifier. */
  readonly identifier: string;
  /** The exported log types, e.g. `postgresql`. */
  readonly logTypes: readonly LogType[];
  readonly key: kms.IKey;
  readonly retention: logs.RetentionDays;
}

/**
 * The log groups RDS exports each log type of an instance or cluster into, at the names RDS writes to. Created
 * before the database (make the database depend on them), so that RDS writes into encrypted groups with a
 * retention, not groups of its own; retained with the data.
 */
export function databaseLogGroups<LogType extends string>(
  scope: Construct,
  props: DatabaseLogGroupsProps<LogType>,
): Record<LogType, logs.LogGroup> {
  const groups = {} as Record<LogType, logs.LogGroup>;
  for (const logType of props.logTypes)
    groups[logType] = new logs.LogGroup(scope, `${logType}Log`, {
      logGroupName: `/aws/rds/${props.kind}/${props.identifier}/${logType}`,
      encryptionKey: props.key,
      retention: props.retention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  return groups;
}
