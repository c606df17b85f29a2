import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/**
 * A CloudFormation value as cdk-nag names it in finding ids: literal text as it is (`${X}` of `Fn::Sub` as `<X>`),
 * `<Logical.Attr>` for `Fn::GetAtt`, `<Name>` for `Ref`, the parts of `Fn::Join` joined.
 *
 * Acknowledgements must be built from the very expression the resource uses, resolved in its stack: only then do
 * they match however the stack renders it (`arn:aws:…` with the `@aws-cdk/core:enablePartitionLiterals` flag,
 * `arn:<AWS::Partition>:…` without it, `<Bucket.Arn>` for a bucket of this stack, a literal ARN for an imported one).
 */
export function nagName(scope: IConstruct, value: unknown): string {
  return flatten(Stack.of(scope).resolve(value));
}

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const value = node as Record<string, unknown>;
  if (Array.isArray(value['Fn::Join'])) {
    const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (value['Fn::Sub'] !== undefined) return flatten(value['Fn::Sub']);
  if (Array.isArray(value['Fn::GetAtt'])) {
    const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (value['Fn::ImportValue'] !== undefined) return flatten(value['Fn::ImportValue']);
  if (value.Ref !== undefined) return `<${flatten(value.Ref)}>`;
  return JSON.stringify(node);
}

/** The AwsSolutions-IAM5 finding id for one wildcard resource of a policy statement. */
export function wildcardResourceFinding(scope: IConstruct, resource: unknown): string {
  return `AwsSolutions-IAM5[Resource::${nagName(scope, resource)}]`;
}

/**
 * Acknowledge AwsSolutions-IAM5 for wildcard resources on `scope` (the role, policy or function that holds them).
 * Pass each resource exactly as the policy statement does (`stack.formatArn(…)`, `bucket.arnForObjects(…)`).
 */
export function acknowledgeWildcardResources(scope: IConstruct, resources: readonly string[], reason: string): void {
  for (const resource of resources)
    Validations.of(scope).acknowledge({ id: wildcardResourceFinding(scope, resource), reason });
}

/** Acknowledge AwsSolutions-IAM4 for an AWS managed policy, given as the object the role is granted. */
export function acknowledgeManagedPolicy(scope: IConstruct, policy: iam.IManagedPolicy, reason: string): void {
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM4[Policy::${nagName(scope, policy.managedPolicyArn)}]`,
    reason,
  });
}

/**
 * Acknowledge one rule of both the HIPAA Security and the NIST 800-53 rev. 5 packs, which name their shared rules
 * alike (`LambdaDLQ`, `LambdaInsideVPC`, …), for one reason.
 */
export function acknowledgeHipaaAndNist(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `HIPAA.Security-${rule}`, reason }, { id: `NIST.800.53.R5-${rule}`, reason });
}
