import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeManagedPolicy } from '../../compliance/acknowledgements';

const MONITORING_POLICY = 'service-role/AmazonRDSEnhancedMonitoringRole';

/** The role RDS enhanced monitoring publishes OS metrics with, for the named instance or cluster. */
export function enhancedMonitoringRole(scope: Construct, identifier: string): iam.Role {
  const role = new iam.Role(scope, 'MonitoringRole', {
    assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName(MONITORING_POLICY)],
    description: `rxdr ${identifier}: RDS enhanced monitoring`,
  });
  acknowledgeMonitoringPolicy(role);
  return role;
}

/** Acknowledge the AWS managed policy on an enhanced-monitoring role (ours, or the one an RDS L2 creates). */
export function acknowledgeMonitoringPolicy(role: IConstruct): void {
  acknowledgeManagedPolicy(
    role,
    iam.ManagedPolicy.fromAwsManagedPolicyName(MONITORING_POLICY),
    'AmazonRDSEnhancedMonitoringRole is the AWS-maintained policy RDS enhanced monitoring requires; it only writes the RDSOSMetrics log group',
  );
}
