import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { nagName } from '../../compliance/acknowledgements';

/**
 * Acknowledge AwsSolutions-IAM5 for exactly the wildcard resources of this policy's Allow statements (the
 * finding ids name each resource), never for wildcard actions (there are none, and a new one would fail).
 */
export function acknowledgeResourceFamilies(policy: iam.ManagedPolicy, document: iam.PolicyDocument): void {
  const resolved = Stack.of(policy).resolve(document.toJSON()) as {
    Statement?: { Effect: string; Resource?: unknown }[];
  };
  const wildcards = new Set<string>();
  for (const statement of resolved.Statement ?? []) {
    if (statement.Effect !== 'Allow') continue;
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    for (const resource of resources.map((r) => nagName(policy, r)))
      if (resource.includes('*')) wildcards.add(resource);
  }
  for (const resource of wildcards) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${resource}]`,
      reason:
        resource === '*'
          ? "List/describe actions without resource-level permissions (backup, rds, cloudwatch, cloudtrail, fis), narrowed to the environment's two regions by aws:RequestedRegion"
          : 'A resource family, not a wildcard grant: executions of one named state machine, recovery points of ' +
            'this account in one region, objects of one bucket, or approval parameters under one path',
    });
  }
}
