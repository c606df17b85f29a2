import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { acknowledgeHipaaAndNist } from '../../compliance/acknowledgements';
import { retainedLogGroup } from '../retained-log-group';
import { Construct } from 'constructs';
import { ownLogsStatement } from '../managed-policy-role';

export interface PlanArchiveProps {
  /** The WORM evidence bucket (Object Lock default retention keeps every version ≥ 6 years). */
  readonly bucket: s3.IBucket;
  /** The bucket's default-encryption key: S3 generates the object's data key with it. */
  readonly key: kms.IKey;
  /** Object key, e.g. `plans/prod/3f2a9c01d4e5.md` (`planObjectKey`). */
  readonly objectKey: string;
  /** The plan's version id (stored as object metadata). */
  readonly version: string;
  /** The plan as Markdown. */
  readonly markdown: string;
  /** Base64 MD5 of the UTF-8 markdown: S3 requires `Content-MD5` (or a checksum) on uploads to Object Lock buckets. */
  readonly contentMd5: string;
  /** Hex SHA-256 of the UTF-8 markdown (stored as object metadata). */
  readonly sha256: string;
  /** Retention of the function's log group (a CloudWatch Logs value). */
  readonly logRetention: logs.RetentionDays;
}

/**
 * Stores one contingency-plan version in the evidence bucket on every deploy that changes it
 * (HIPAA 164.316(b)(2)): one S3 `PutObject` made by an `AwsCustomResource` on create and update, nothing on
 * delete (the object stays under Object Lock; a new version is a new key, the old one is kept).
 *
 * Why not `BucketDeployment`: it adds a Python Lambda with the AWS CLI layer, an asset to stage, and grants
 * wildcard S3 actions (`s3:GetObject*`, `s3:List*`, `s3:DeleteObject*`) we forbid; one object needs one
 * `PutObject`. The `AwsCustomResource` handler ships inside aws-cdk-lib (no bundling, no code of ours) and
 * runs with our role: `s3:PutObject` on exactly this object, `kms:GenerateDataKey` on the bucket key
 * through S3 only, writes to its own encrypted log group. The request and response are not logged.
 *
 * The provider function is the stack-wide `AwsCustomResource` singleton; the compliance acknowledgements
 * below are for this one use, and any other `AwsCustomResource` in the same stack must revisit them.
 */
export class PlanArchive extends Construct {
  /** The custom resource; `getResponseField('VersionId')` is the stored object's S3 version. */
  readonly resource: cr.AwsCustomResource;
  readonly role: iam.Role;
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: PlanArchiveProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (!/^[\w./-]+\.md$/.test(props.objectKey))
      throw new Error(`objectKey must be a plain relative path ending in .md, got "${props.objectKey}"`);

    const logGroup = retainedLogGroup(this, 'Logs', props.key, props.logRetention);
    // A managed policy of our own, not the role's inline default policy (HIPAA/NIST IAMNoInlinePolicy).
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `rxdr: store the contingency plan ${props.objectKey} in the evidence bucket`,
      statements: [
        // The log group's ARN attribute ends in ":*" and so covers its streams.
        ownLogsStatement(logGroup.logGroupArn),
        new iam.PolicyStatement({
          sid: 'PutThisPlanVersionOnly',
          actions: ['s3:PutObject'],
          resources: [props.bucket.arnForObjects(props.objectKey)],
        }),
        new iam.PolicyStatement({
          sid: 'S3EncryptsItWithTheBucketKey',
          actions: ['kms:GenerateDataKey'],
          resources: [props.key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
        }),
      ],
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'rxdr: stores the generated contingency plan in the evidence bucket at deployment',
      managedPolicies: [this.policy],
    });

    const put: cr.AwsSdkCall = {
      service: 'S3',
      action: 'putObject',
      parameters: {
        Bucket: props.bucket.bucketName,
        Key: props.objectKey,
        Body: props.markdown,
        ContentType: 'text/markdown; charset=utf-8',
        ContentMD5: props.contentMd5,
        Metadata: { 'plan-version': props.version, 'content-sha256': props.sha256 },
      },
      physicalResourceId: cr.PhysicalResourceId.of(props.objectKey),
      outputPaths: ['VersionId', 'ETag'],
      logging: cr.Logging.withDataHidden(),
    };
    this.resource = new cr.AwsCustomResource(this, 'Resource', {
      resourceType: 'Custom::RxdrPlanVersion',
      onCreate: put,
      onUpdate: put,
      role: this.role,
      logGroup,
      installLatestAwsSdk: false,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // CloudFormation must not call the function before its permissions exist.
    this.resource.node.addDependency(this.policy);

    this.acknowledgeFindings(stack);
  }

  private acknowledgeFindings(stack: Stack): void {
    const provider = stack.node.tryFindChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`);
    if (!(provider instanceof lambda.Function)) return;
    // One deploy-time call at a time is all it serves; the cap also keeps it off the account's shared pool.
    (provider.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = 1;
    const outsideVpc =
      'the AwsCustomResource provider makes one S3 PutObject of the generated plan (no patient data) at ' +
      'deploy time and reads nothing back; inside a VPC it would need an S3 endpoint to reach the same ' +
      'regional API, adding network paths without protecting any data';
    acknowledgeHipaaAndNist(provider, 'LambdaInsideVPC', outsideVpc);
    const noDlq =
      'CloudFormation invokes this custom-resource provider and waits for its answer; the provider ' +
      'answers FAILED on every error, so a failed store rolls the deployment back visibly and a ' +
      'dead-letter queue would hold nothing actionable';
    acknowledgeHipaaAndNist(provider, 'LambdaDLQ', noDlq);
  }
}
