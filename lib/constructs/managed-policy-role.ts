import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * An IAM role whose statements, including those `grant…()` helpers and the Step Functions/Lambda L2s add, go
 * into one customer-managed policy of its own instead of an inline default policy (HIPAA.Security /
 * NIST.800.53.R5 `IAMNoInlinePolicy`).
 */
export class ManagedPolicyRole extends iam.Role {
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    super(scope, id, props);
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      roles: [this],
      ...(props.description ? { description: props.description } : {}),
    });
  }

  override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }
}

/** A Lambda execution role (managed policy) that may write to its own log group only. */
export function lambdaRole(scope: Construct, id: string, logGroupArn: string, description: string): ManagedPolicyRole {
  const role = new ManagedPolicyRole(scope, id, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description,
  });
  role.addToPrincipalPolicy(ownLogsStatement(logGroupArn, `${logGroupArn}:log-stream:*`));
  return role;
}

/** The statement `OwnLogs`: a function may write to its own log group (and its streams) only. */
export function ownLogsStatement(...resources: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'OwnLogs',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources,
  });
}
