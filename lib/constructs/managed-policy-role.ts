import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import { acknowledgeWildcardResources } from '../compliance/acknowledgements';
import { retainedLogGroup } from './retained-log-group';

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

export interface LambdaLogsAndRoleProps {
  /** The role's description. */
  readonly description: string;
  /** The key the log group is encrypted with. */
  readonly key: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /**
   * Prepended to the ids `Logs` and `Role`, for a construct holding more than one function.
   * @default ""
   */
  readonly idPrefix?: string;
}

/**
 * A Lambda function's own log group `Logs` (encrypted, retained) and its execution role `Role` (managed
 * policy) that may write to that log group only.
 */
export function lambdaLogsAndRole(
  scope: Construct,
  props: LambdaLogsAndRoleProps,
): { logGroup: logs.LogGroup; role: ManagedPolicyRole } {
  const prefix = props.idPrefix ?? '';
  const logGroup = retainedLogGroup(scope, `${prefix}Logs`, props.key, props.logRetention);
  const role = new ManagedPolicyRole(scope, `${prefix}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.description,
  });
  role.addToPrincipalPolicy(ownLogsStatement(logGroup.logGroupArn, `${logGroup.logGroupArn}:log-stream:*`));
  return { logGroup, role };
}

/** The statement `OwnLogs`: a function may write to its own log group (and its streams) only. */
export function ownLogsStatement(...resources: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'OwnLogs',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources,
  });
}

/** Acknowledge the one wildcard of `OwnLogs`: the streams of the function's own log group. */
export function acknowledgeOwnLogStreams(scope: IConstruct, logGroup: logs.ILogGroup): void {
  acknowledgeWildcardResources(
    scope,
    [`${logGroup.logGroupArn}:log-stream:*`],
    "Lambda creates one log stream per execution environment in the function's own log group",
  );
}
