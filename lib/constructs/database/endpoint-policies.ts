import type { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * S3 gateway endpoint statements: principals may reach the evidence bucket's objects under the given prefixes
 * (and list object versions under the read prefixes) and nothing else in S3, in any account.
 */
export function evidenceObjectsOnly(
  stack: Stack,
  bucketName: string,
  prefixes: { readonly read: readonly string[]; readonly write?: readonly string[] },
): iam.PolicyStatement[] {
  const bucket = `arn:${stack.partition}:s3:::${bucketName}`;
  const objects = (list: readonly string[]) => list.map((p) => `${bucket}/${p}*`);
  const statements = [
    new iam.PolicyStatement({
      sid: 'ReadEvidencePrefixes',
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: objects(prefixes.read),
    }),
    new iam.PolicyStatement({
      sid: 'ListEvidencePrefixVersions',
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:ListBucketVersions', 's3:ListBucket'],
      resources: [bucket],
      conditions: { StringLike: { 's3:prefix': prefixes.read.map((p) => `${p}*`) } },
    }),
  ];
  if (prefixes.write && prefixes.write.length > 0)
    statements.push(
      new iam.PolicyStatement({
        sid: 'WriteEvidencePrefixes',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: objects(prefixes.write),
      }),
    );
  return statements;
}

/** Interface endpoint statement: the named calls, by principals of this account on resources of this account. */
export function accountPerimeter(stack: Stack, actions: readonly string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ThisAccountOnly',
    principals: [new iam.AnyPrincipal()],
    actions: [...actions],
    resources: ['*'],
    conditions: {
      StringEquals: { 'aws:PrincipalAccount': stack.account, 'aws:ResourceAccount': stack.account },
    },
  });
}
