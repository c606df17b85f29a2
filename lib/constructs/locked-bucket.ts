import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AccountScopedBucket } from './service-principal-scope';

export interface LockedBucketProps {
  /** Construct id of the locked bucket in `scope` (kept as it was, so the logical id does not change). */
  readonly id: string;
  /** Construct id of its access-log bucket in `scope`. @default 'AccessLogs' */
  readonly accessLogsId?: string;
  /** @default - a name CloudFormation generates */
  readonly bucketName?: string;
  readonly key: kms.IKey;
  /** Object Lock mode: compliance in production, governance otherwise. */
  readonly lockMode: 'governance' | 'compliance';
  /** Default Object Lock retention of every object version, and the expiry of the access logs. */
  readonly retentionDays: number;
  /** Key prefix of the server access logs, e.g. `evidence/`. */
  readonly accessLogsPrefix: string;
  /** What the bucket is, for the reasons given to the checks, e.g. `evidence bucket`. */
  readonly description: string;
  /** Why neither bucket is replicated to another region. */
  readonly noReplicationReason: string;
}

export interface LockedBucket {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;
}

/**
 * A write-once bucket: S3 Object Lock by default on every object version, CMK (bucket key), versioning, TLS
 * only, no public access, owner-enforced, retained when removed; server access logs go to a separate SSE-S3
 * bucket (the only encryption access logging delivers to) that expires them after the same retention.
 *
 * A function rather than a construct: both buckets are created directly in `scope` under the ids given, so
 * the buckets that already exist keep their logical ids (a new id would replace a bucket under Object Lock).
 */
export function lockedBucket(scope: Construct, props: LockedBucketProps): LockedBucket {
  const retention = Duration.days(props.retentionDays);
  const accessLogs = new AccountScopedBucket(scope, props.accessLogsId ?? 'AccessLogs', {
    // S3 server access logging delivers only to buckets with SSE-S3 default encryption.
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    versioned: true,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ expiration: retention, noncurrentVersionExpiration: Duration.days(30) }],
  });
  const selfLogging = `This is the access-log bucket of the ${props.description}; logging it to itself or to another log bucket would only move the problem one bucket further.`;
  const sseS3 =
    'S3 server access logging can only deliver to a target bucket encrypted with SSE-S3 (SSE-KMS is not supported); the logs hold request metadata, not patient data.';
  Validations.of(accessLogs).acknowledge(
    { id: 'AwsSolutions-S1', reason: selfLogging },
    { id: 'HIPAA.Security-S3BucketLoggingEnabled', reason: selfLogging },
    { id: 'NIST.800.53.R5-S3BucketLoggingEnabled', reason: selfLogging },
    { id: 'HIPAA.Security-S3DefaultEncryptionKMS', reason: sseS3 },
    { id: 'NIST.800.53.R5-S3DefaultEncryptionKMS', reason: sseS3 },
  );

  const bucket = new AccountScopedBucket(scope, props.id, {
    bucketName: props.bucketName,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: props.key,
    bucketKeyEnabled: true,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    objectLockEnabled: true,
    objectLockDefaultRetention:
      props.lockMode === 'compliance'
        ? s3.ObjectLockRetention.compliance(retention)
        : s3.ObjectLockRetention.governance(retention),
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: props.accessLogsPrefix,
    removalPolicy: RemovalPolicy.RETAIN,
  });

  for (const b of [bucket, accessLogs]) {
    Validations.of(b).acknowledge(
      { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: props.noReplicationReason },
      { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason: props.noReplicationReason },
    );
  }
  return { bucket, accessLogs };
}
