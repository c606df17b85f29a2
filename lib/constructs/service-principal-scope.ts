import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/**
 * A resource-policy statement for an AWS service principal, held to this account: without `aws:SourceAccount` or
 * `aws:SourceArn`, any account's resource (an EventBridge rule, a trail, a log delivery) could make the service act
 * on ours (the confused deputy). Statements that already name the source, or are scoped by a KMS encryption
 * context naming this account's resources (CloudWatch Logs), are returned as they are; so are non-service ones.
 */
export function scopedToAccount(statement: iam.PolicyStatement, account: string): iam.PolicyStatement {
  const json = statement.toStatementJson() as {
    Principal?: { Service?: unknown };
    Condition?: Record<string, Record<string, unknown>>;
  };
  if (json.Principal?.Service === undefined) return statement;
  const keys = Object.values(json.Condition ?? {}).flatMap((condition) => Object.keys(condition));
  if (
    keys.some(
      (key) => key === 'aws:SourceAccount' || key === 'aws:SourceArn' || key.startsWith('kms:EncryptionContext:'),
    )
  )
    return statement;
  return statement.copy({
    conditions: { ...json.Condition, StringEquals: { ...json.Condition?.StringEquals, 'aws:SourceAccount': account } },
  });
}

/** A bucket whose policy holds every service-principal statement to this account (CloudTrail's included). */
export class AccountScopedBucket extends s3.Bucket {
  addToResourcePolicy(statement: iam.PolicyStatement): iam.AddToResourcePolicyResult {
    return super.addToResourcePolicy(scopedToAccount(statement, Stack.of(this).account));
  }
}

/**
 * An AWS service principal for a role's trust policy, held to this account (`aws:SourceAccount`): no other
 * account's resource (a schedule, a backup plan, an experiment) can make the service assume the role.
 */
export function thisAccountsService(scope: Construct, service: string): iam.IPrincipal {
  return new iam.ServicePrincipal(service).withConditions({
    StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
  });
}
