import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { lockedBucket } from './locked-bucket';

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
    if (props.retentionDays < MIN_EVIDENCE_DAYS)
      throw new Error(
        `evidence must be kept at least ${MIN_EVIDENCE_DAYS} days (HIPAA 45 CFR 164.316(b)(2)), got ${props.retentionDays}`,
      );

    const { bucket, accessLogs } = lockedBucket(this, {
      id: 'Bucket',
      bucketName: props.bucketName,
      key: props.key,
      lockMode: props.lockMode,
      retentionDays: props.retentionDays,
      accessLogsPrefix: 'evidence/',
      description: 'evidence bucket',
      noReplicationReason:
        'The evidence bucket already sits in the recovery region, outside the blast radius of the ' +
        'primary region it documents, with Object Lock against deletion; replicating it back into ' +
        'the primary region would add no protection for the disaster it records.',
    });
    this.bucket = bucket;
    this.accessLogs = accessLogs;
  }
}
