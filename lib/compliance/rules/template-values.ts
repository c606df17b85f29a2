import { CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { EnvironmentConfig } from '../../config/environment-config';

/** Resolved CloudFormation properties of a resource (tokens resolved as far as CDK can). */
export function resolvedProperties(node: CfnResource): Record<string, unknown> {
  const stack = Stack.of(node);
  const props = stack.resolve(
    (
      node as unknown as { _toCloudFormation(): { Resources: Record<string, { Properties?: unknown }> } }
    )._toCloudFormation(),
  );
  const resource = Object.values(props.Resources as Record<string, { Properties?: Record<string, unknown> }>)[0];
  return resource?.Properties ?? {};
}

/** A string, or an `Fn::Join` whose partition reference is read as "aws": enough to read a region or account out of an ARN. */
export function arnText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return undefined;
  const record = value as Record<string, unknown>;
  if (record.Ref === 'AWS::Partition') return 'aws';
  if (record.Ref === 'AWS::Region' || record.Ref === 'AWS::AccountId') return undefined;
  const join = record['Fn::Join'] as [string, unknown[]] | undefined;
  if (!join) return undefined;
  const parts = join[1].map(arnText);
  return parts.every((p) => p !== undefined) ? parts.join(join[0]) : undefined;
}

/** The rxdr environment a stack was built for (`PrimaryStack.config`, `RecoveryStack.config`), if any. */
export function environmentOf(node: IConstruct): EnvironmentConfig | undefined {
  const config = (Stack.of(node) as Stack & { config?: EnvironmentConfig }).config;
  return config && typeof config === 'object' && Array.isArray(config.databases) ? config : undefined;
}

export function asArray<T = Record<string, unknown>>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}
