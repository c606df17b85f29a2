import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { scopedToAccount } from './service-principal-scope';

/**
 * Key administration actions the account may delegate to IAM. Listed one by one: no wildcard actions,
 * not even in the key policy, so a later grant cannot widen them by accident.
 */
export const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:CreateGrant',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
] as const;

/** Cryptographic use of a symmetric key (what `grantEncryptDecrypt` hands out). */
export const KEY_USE_ACTIONS = [
  'kms:Decrypt',
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:DescribeKey',
] as const;

export interface EncryptionKeyProps {
  /** Alias, e.g. `alias/rxdr-prod-primary` (see `names.keyAlias`). */
  readonly alias: string;
  readonly description: string;
  /**
   * What happens to the key when it leaves the stack. Recovery points, snapshots and evidence stay
   * encrypted with it for years: losing the key loses the data.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Days AWS KMS waits before deleting the key after a deletion is scheduled (7-30).
   * @default 30
   */
  readonly pendingWindowDays?: number;
}

/**
 * A customer-managed KMS key for one region of one environment (HIPAA 164.312(a)(2)(iv)), rotation on.
 *
 * Key policy, statement by statement:
 * - the account may administer the key and delegate its use to IAM principals (our roles get it through
 *   `key.grantEncryptDecrypt(role)` and friends): explicit actions, no `kms:*`; grants only for AWS resources
 *   (RDS, AWS Backup, Secrets Manager create them for the caller), never for an arbitrary grantee;
 * - SNS publishers that are AWS services (CloudWatch alarms, EventBridge rules, AWS Backup vault
 *   notifications) may generate data keys and decrypt, only for this account's resources;
 * - CloudWatch Logs in this region may use the key for this account's log groups only;
 * - the AWS Backup Audit Manager service-linked role may write reports into a bucket encrypted with it.
 * AWS Backup and RDS encrypt with the caller's own permissions (through the delegation above), which is
 * why they need no statement of their own.
 */
export class EncryptionKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: EncryptionKeyProps) {
    super(scope, id);
    const pendingWindowDays = props.pendingWindowDays ?? 30;
    if (pendingWindowDays < 7 || pendingWindowDays > 30 || !Number.isInteger(pendingWindowDays)) {
      throw new Error(`pendingWindowDays must be a whole number of days between 7 and 30, got ${pendingWindowDays}`);
    }
    if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(props.alias) || props.alias.startsWith('alias/aws/')) {
      throw new Error(
        `alias must look like "alias/<name>" and not use the reserved "alias/aws/" prefix, got "${props.alias}"`,
      );
    }

    const stack = Stack.of(this);
    const policy = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: 'AccountAdministersAndDelegatesToIam',
          principals: [new iam.AccountRootPrincipal()],
          actions: [...new Set<string>([...KEY_ADMIN_ACTIONS, ...KEY_USE_ACTIONS])].filter(
            (action) => action !== 'kms:CreateGrant',
          ),
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'AccountGrantsToAwsServicesOnly',
          principals: [new iam.AccountRootPrincipal()],
          actions: ['kms:CreateGrant'],
          resources: ['*'],
          conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        }),
        // The same rule as a deny, so that no later allow (here or in IAM) can reopen it.
        new iam.PolicyStatement({
          sid: 'NoGrantsExceptForAwsResources',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['kms:CreateGrant'],
          resources: ['*'],
          conditions: {
            BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
          },
        }),
        new iam.PolicyStatement({
          sid: 'AwsServicesPublishToEncryptedTopics',
          principals: ['cloudwatch.amazonaws.com', 'events.amazonaws.com', 'backup.amazonaws.com'].map(
            (service) => new iam.ServicePrincipal(service),
          ),
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
        new iam.PolicyStatement({
          sid: 'CloudWatchLogsEncryptsThisAccountsLogGroups',
          principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
          actions: [
            'kms:Encrypt',
            'kms:Decrypt',
            'kms:ReEncryptFrom',
            'kms:ReEncryptTo',
            'kms:GenerateDataKey',
            'kms:DescribeKey',
          ],
          resources: ['*'],
          conditions: {
            ArnLike: {
              'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
                service: 'logs',
                resource: 'log-group',
                resourceName: '*',
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            },
          },
        }),
        new iam.PolicyStatement({
          sid: 'BackupAuditManagerWritesReports',
          principals: [new iam.AnyPrincipal()],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: {
            StringEquals: { 'aws:PrincipalAccount': stack.account },
            ArnEquals: {
              'aws:PrincipalArn': stack.formatArn({
                service: 'iam',
                region: '',
                resource: 'role',
                resourceName: 'aws-service-role/reports.backup.amazonaws.com/AWSServiceRoleForBackupReports',
              }),
            },
          },
        }),
      ],
    });

    this.key = new ExplicitActionsKey(this, 'Key', {
      description: props.description,
      enableKeyRotation: true,
      alias: props.alias,
      policy,
      pendingWindow: Duration.days(pendingWindowDays),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
  }
}

/**
 * KMS action families that CDK's grant helpers write as wildcards (`Secret` with a CMK grants
 * `kms:ReEncrypt*` and `kms:GenerateDataKey*` to Secrets Manager; log delivery gets `kms:Decrypt*`), spelled out so no key policy ever
 * carries a wildcard action.
 */
const KMS_ACTION_FAMILIES: Readonly<Record<string, readonly string[]>> = {
  'kms:Decrypt*': ['kms:Decrypt'],
  'kms:ReEncrypt*': ['kms:ReEncryptFrom', 'kms:ReEncryptTo'],
  'kms:GenerateDataKey*': [
    'kms:GenerateDataKey',
    'kms:GenerateDataKeyWithoutPlaintext',
    'kms:GenerateDataKeyPair',
    'kms:GenerateDataKeyPairWithoutPlaintext',
  ],
};

/**
 * A key whose resource policy holds every statement to the rules of this file, including those CDK's grant helpers
 * add (a state machine's log delivery, a topic's publishers, a secret's Secrets Manager grant):
 * - wildcard action families are rewritten into the explicit actions they cover;
 * - a statement for an AWS service principal without `aws:SourceAccount`/`aws:SourceArn` gets
 *   `aws:SourceAccount` = this account, so no other account's resource can make the service use the key;
 * - `kms:CreateGrant` is split into its own statement limited to grants for AWS resources (`kms:GrantIsForAWSResource`).
 */
class ExplicitActionsKey extends kms.Key {
  addToResourcePolicy(statement: iam.PolicyStatement, allowNoOp?: boolean): iam.AddToResourcePolicyResult {
    const actions = statement.actions.flatMap((action) => KMS_ACTION_FAMILIES[action] ?? [action]);
    const scoped = scopedToAccount(statement, Stack.of(this).account);
    const conditions = scoped.toStatementJson().Condition as Record<string, Record<string, unknown>> | undefined;
    const unlimitedGrant =
      actions.includes('kms:CreateGrant') && conditions?.Bool?.['kms:GrantIsForAWSResource'] === undefined;
    const rest = unlimitedGrant ? actions.filter((a) => a !== 'kms:CreateGrant') : actions;
    let result: iam.AddToResourcePolicyResult = { statementAdded: false };
    if (rest.length > 0) result = super.addToResourcePolicy(scoped.copy({ actions: rest }), allowNoOp);
    if (unlimitedGrant) {
      const grant = scoped.copy({
        sid: statement.sid ? `${statement.sid}Grants` : undefined,
        actions: ['kms:CreateGrant'],
      });
      grant.addCondition('Bool', { 'kms:GrantIsForAWSResource': 'true' });
      result = super.addToResourcePolicy(grant, allowNoOp);
    }
    return result;
  }
}
