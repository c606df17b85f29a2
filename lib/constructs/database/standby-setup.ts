import { Duration } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { POSTGRES_PARAMETERS } from '../../../engines/database/postgres-parameters';
import { databaseLogGroups, DatabaseLogGroupsProps } from './database-log-group';
import { enhancedMonitoringRole } from './enhanced-monitoring';

/**
 * The parts a cross-region read replica and a global database's secondary cluster set up alike before the
 * database itself, named by the standby's identifier: the TLS-only, pgaudit parameter group of the source's
 * family, and the log groups and enhanced-monitoring role the database then writes to.
 */

/** The L1 parameter groups: `CfnDBParameterGroup` for an instance, `CfnDBClusterParameterGroup` for a cluster. */
type ParameterGroupClass<Group> = new (
  scope: Construct,
  id: string,
  props: { family: string; description: string; parameters: Record<string, string> },
) => Group;

/** The parameter group `Parameters`: TLS only and pgaudit, in the given family (e.g. `postgres17`). */
export function standbyParameterGroup<Group>(
  scope: Construct,
  ParameterGroup: ParameterGroupClass<Group>,
  family: string,
  identifier: string,
): Group {
  return new ParameterGroup(scope, 'Parameters', {
    family,
    description: `rxdr ${identifier}: TLS only, pgaudit`,
    parameters: { ...POSTGRES_PARAMETERS },
  });
}

/** What a standby's DB instance sets to be monitored: enhanced monitoring and Performance Insights on the CMK. */
export type InstanceMonitoring = Required<
  Pick<
    rds.CfnDBInstanceProps,
    | 'monitoringInterval'
    | 'monitoringRoleArn'
    | 'enablePerformanceInsights'
    | 'performanceInsightsKmsKeyId'
    | 'performanceInsightsRetentionPeriod'
  >
>;

/**
 * The standby's log groups (make the database depend on them) and, for its DB instance, enhanced monitoring
 * every minute through its own role and Performance Insights (7 days) on `key`.
 */
export function standbyTelemetry<LogType extends string>(
  scope: Construct,
  props: DatabaseLogGroupsProps<LogType> & { readonly key: kms.IKey },
): { logGroups: logs.LogGroup[]; instanceMonitoring: InstanceMonitoring } {
  const logGroups = Object.values<logs.LogGroup>(databaseLogGroups(scope, props));
  const monitoringRole = enhancedMonitoringRole(scope, props.identifier);
  return {
    logGroups,
    instanceMonitoring: {
      monitoringInterval: Duration.seconds(60).toSeconds(),
      monitoringRoleArn: monitoringRole.roleArn,
      enablePerformanceInsights: true,
      performanceInsightsKmsKeyId: props.key.keyArn,
      performanceInsightsRetentionPeriod: 7,
    },
  };
}
