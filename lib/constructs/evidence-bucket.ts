import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface EvidenceBucketProps {
  /** Deterministic name (`names.evidenceBucket`): the audit report plan delivers to it by name. */
  readonly bucketName: string;
  readonly key: kms.IKey;
  /** Object Lock mode: compliance in production, governance otherwise. */
  readonly lockMode: 'governance' | 'compliance';
  /** Default retention of every object version (HIPAA 164.316: at least 2190 days). */
  readonly retentionDays: number;
}

/** HIPAA 164.316(b)(2): six years. */
export const MIN_EVIDENCE_DAYS = 2190;

/**
 * The write-once evidence store in the recovery region: drill and failover evidence, plan versions,
 * audit reports. S3 Object Lock by default on every object version, CMK, versioning, TLS only, no public
 * access, server access logs to a separate log bucket. Retained when removed from the stack.
 */
export class EvidenceBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogs: s3.Bucket;

  constructor(scope: Construct, id: string, props: EvidenceBucketProps) {
    super(scope, id);
    if (props.retentionDays < MIN_EVIDENCE_DAYS) throw new Error(`evidence must be kept at least ${MIN_EVIDENCE_DAYS} days (HIPAA 45 CFR 164.316(b)(2)), got ${props.retentionDays}`);

    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      // S3 server access logging delivers only to buckets with SSE-S3 default encryption.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(props.retentionDays), noncurrentVersionExpiration: Duration.days(30) }],
    });
    Validations.of(this.accessLogs).acknowledge(
      { id: 'AwsSolutions-S1', reason: 'This is the access-log bucket of the evidence bucket; logging it to itself or to another log bucket would only move the problem one bucket further.' },
      { id: 'HIPAA.Security-S3BucketLoggingEnabled', reason: 'This is the access-log bucket of the evidence bucket; logging it to itself or to another log bucket would only move the problem one bucket further.' },
      { id: 'NIST.800.53.R5-S3BucketLoggingEnabled', reason: 'This is the access-log bucket of the evidence bucket; logging it to itself or to another log bucket would only move the problem one bucket further.' },
      { id: 'HIPAA.Security-S3DefaultEncryptionKMS', reason: 'S3 server access logging can only deliver to a target bucket encrypted with SSE-S3 (SSE-KMS is not supported); the logs hold request metadata, not patient data.' },
      { id: 'NIST.800.53.R5-S3DefaultEncryptionKMS', reason: 'S3 server access logging can only deliver to a target bucket encrypted with SSE-S3 (SSE-KMS is not supported); the logs hold request metadata, not patient data.' },
    );

    this.bucket = new s3.Bucket(this, 'Bucket', {
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
        props.lockMode === 'compliance' ? s3.ObjectLockRetention.compliance(Duration.days(props.retentionDays)) : s3.ObjectLockRetention.governance(Duration.days(props.retentionDays)),
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'evidence/',
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const noReplication =
      'The evidence bucket already sits in the recovery region, outside the blast radius of the primary region it documents, with Object Lock against deletion; replicating it back into the primary region would add no protection for the disaster it records.';
    for (const bucket of [this.bucket, this.accessLogs]) {
      Validations.of(bucket).acknowledge({ id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: noReplication }, { id: 'NIST.800.53.R5-S3BucketReplicationEnabled', reason: noReplication });
    }
  }
}
