import { ArnFormat, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * ARN of a KMS alias in another region of this account, e.g. the recovery key's alias seen from the primary
 * stack. Deterministic (no cross-region reference); services that accept an alias ARN (Secrets Manager
 * replicas) take it as is, the backup-replication function resolves it to the key ARN.
 */
export function keyAliasArn(scope: IConstruct, region: string, alias: string): string {
  if (!alias.startsWith('alias/')) throw new Error(`a KMS alias starts with "alias/", got "${alias}"`);
  return Stack.of(scope).formatArn({
    service: 'kms',
    region,
    resource: 'alias',
    resourceName: alias.slice('alias/'.length),
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/** Key ARNs in a region of this account (IAM matches KMS permissions on key ARNs, never on alias ARNs). */
export function keysInRegion(scope: IConstruct, region: string): string {
  return Stack.of(scope).formatArn({
    service: 'kms',
    region,
    resource: 'key',
    resourceName: '*',
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/** ARN of an RDS DB instance of this account, by identifier. */
export function dbInstanceArn(scope: IConstruct, region: string, identifier: string): string {
  return Stack.of(scope).formatArn({
    service: 'rds',
    region,
    resource: 'db',
    resourceName: identifier,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
