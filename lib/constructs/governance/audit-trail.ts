import { Stack, Validations } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { retainedLogGroup } from '../retained-log-group';
import { Construct } from 'constructs';
import { EncryptionKey } from '../encryption-key';
import { lockedBucket } from '../locked-bucket';

export interface AuditTrailProps {
  /** Alias of the trail's own key, e.g. `alias/rxdr-prod-audit` (`names.auditKeyAlias`). */
  readonly keyAlias: string;
  /** Retention of the CloudWatch Logs copy the metric filters read, in days (a CloudWatch Logs value). */
  readonly logRetentionDays: number;
  /** Object Lock retention of the log files, in days. */
  readonly objectLockDays: number;
  /** Object Lock mode of the log bucket: compliance in production. */
  readonly lockMode: 'governance' | 'compliance';
}

/**
 * The audit trail (HIPAA 164.312(b)): a multi-region CloudTrail trail with log-file validation, encrypted
 * with its own customer-managed key, delivering to an S3 Object Lock bucket (server access logs on) and
 * to a CMK-encrypted CloudWatch Logs group with explicit retention, where `SecurityAlarms` reads it.
 * It lives in the recovery region so it survives the disaster it records.
 */
export class AuditTrail extends Construct {
  readonly trail: cloudtrail.Trail;
  readonly key: kms.Key;
  readonly bucket: s3.Bucket;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    if (props.objectLockDays < 365)
      throw new Error(`audit logs must be kept at least 365 days (PCI DSS 10.5.1), got ${props.objectLockDays}`);
    const stack = Stack.of(this);
    this.key = new EncryptionKey(this, 'Key', {
      alias: props.keyAlias,
      description: 'rxdr audit trail key (log files and their CloudWatch Logs copy)',
    }).key;
    const trailArnPattern = stack.formatArn({
      service: 'cloudtrail',
      region: '*',
      resource: 'trail',
      resourceName: '*',
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudTrailEncryptsThisAccountsLogs',
        principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
        actions: ['kms:GenerateDataKey', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': trailArnPattern },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudTrailDescribesKey',
        principals: [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );

    this.bucket = lockedBucket(this, {
      id: 'Logs',
      key: this.key,
      lockMode: props.lockMode,
      retentionDays: props.objectLockDays,
      accessLogsPrefix: 'trail/',
      description: 'audit-trail bucket',
      noReplicationReason:
        'The trail is multi-region and its bucket sits in the recovery region, outside the blast radius of ' +
        'the primary region it records, under Object Lock; a replica back in the primary region would add ' +
        'no protection.',
    }).bucket;

    this.logGroup = retainedLogGroup(this, 'LogGroup', this.key, props.logRetentionDays as logs.RetentionDays);

    this.trail = new cloudtrail.Trail(this, 'Trail', {
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableFileValidation: true,
      encryptionKey: this.key,
      bucket: this.bucket,
      sendToCloudWatchLogs: true,
      cloudWatchLogGroup: this.logGroup,
      managementEvents: cloudtrail.ReadWriteType.ALL,
    });
    const deliveryPolicy = this.trail.node.tryFindChild('LogsRole')?.node.tryFindChild('DefaultPolicy');
    if (deliveryPolicy) {
      const reason =
        "CloudTrail creates this delivery role itself; its one inline statement lets CloudTrail write log streams and events to this trail's log group only.";
      Validations.of(deliveryPolicy).acknowledge(
        { id: 'HIPAA.Security-IAMNoInlinePolicy', reason },
        { id: 'NIST.800.53.R5-IAMNoInlinePolicy', reason },
      );
    }
  }
}
