import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { gameDayStatements, trainingRecordStatements } from './game-day-statements';
import { PROTECTED_VAULT_ACTIONS } from '../vault-access-policy';
import { ROLE_DEFINITIONS, RoleKind } from './role-definitions';
import { nagName } from '../../compliance/acknowledgements';

export interface OperatorRolesProps {
  /** Environment name, for role descriptions. */
  readonly environmentName: string;
  readonly primaryRegion: string;
  readonly recoveryRegion: string;
  /** The break-glass role's name: the vault access policies exempt exactly this name. */
  readonly breakGlassRoleName: string;
  /** Backup vault names (in either region) whose metadata the roles read and break-glass administers. */
  readonly vaults: readonly { readonly name: string; readonly region: string }[];
  /** State machine names in the recovery region. */
  readonly stateMachines: { readonly drill: string; readonly failover: string; readonly failback: string };
  /** SSM parameter path (e.g. `/rxdr/prod/approvals`) under which paused runs keep their task tokens. */
  readonly approvalParameterPrefix: string;
  /** Evidence bucket (the Auditor reads it) and the key it is encrypted with. */
  readonly evidenceBucket: s3.IBucket;
  /** Key of the evidence bucket and the approval parameters (recovery region). */
  readonly recoveryKey: kms.IKey;
  /** Audit trail log bucket and its key, when rxdr creates the trail. */
  readonly auditLogs?: { readonly bucket: s3.IBucket; readonly key: kms.IKey };
  /**
   * Oldest MFA authentication accepted when assuming the break-glass role.
   * @default Duration.hours(1)
   */
  readonly breakGlassMfaMaxAge?: Duration;
  /** The runbook gateway's function name: the only way Operators start and Approvers approve runbooks. */
  readonly runbookGatewayFunctionName: string;
  /** SSM Automation documents: Operators run the start documents, Approvers the approve document. */
  readonly documents: { readonly failover: string; readonly failback: string; readonly approve: string };
  /** Operator and Approver sessions need MFA. @default true */
  readonly requireMfa?: boolean;
  /** CI role ARNs that may assume the Operator role without MFA (still with a source identity). @default none */
  readonly automationPrincipals?: readonly string[];
}

/** Actions that reach patient data: never granted to the Auditor, and denied explicitly. */
export const PATIENT_DATA_ACTIONS = [
  'rds-db:connect',
  'secretsmanager:GetSecretValue',
  'rds:DownloadDBLogFilePortion',
  'rds:DownloadCompleteDBLogFile',
  'logs:GetLogEvents',
  'logs:FilterLogEvents',
  'logs:StartQuery',
  'backup:StartRestoreJob',
  'backup:StartCopyJob',
  'rds:RestoreDBInstanceFromDBSnapshot',
  'rds:RestoreDBInstanceToPointInTime',
  'rds:CopyDBSnapshot',
  'rds:ModifyDBSnapshotAttribute',
  'rds:StartExportTask',
] as const;

const APPROVAL_ACTIONS = ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'];

/**
 * The four people-facing IAM roles of an environment, least privilege, no wildcard actions:
 * Operator, Approver, Auditor and BreakGlass (see `role-definitions.ts`). All are assumable by principals
 * of this account that IAM allows to; BreakGlass only with MFA, and assuming it raises an alarm
 * (`SecurityAlarms`). Statements on actions without resource-level permissions are narrowed to the
 * environment's two regions.
 */
export class OperatorRoles extends Construct {
  readonly operator: iam.Role;
  readonly approver: iam.Role;
  readonly auditor: iam.Role;
  readonly breakGlass: iam.Role;

  constructor(scope: Construct, id: string, props: OperatorRolesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const mfaMaxAge = props.breakGlassMfaMaxAge ?? Duration.hours(1);
    if (!mfaMaxAge.isUnresolved() && (mfaMaxAge.toSeconds() < 60 || mfaMaxAge.toSeconds() > 12 * 3600)) {
      throw new Error(`breakGlassMfaMaxAge must be between 1 minute and 12 hours, got ${mfaMaxAge.toHumanString()}`);
    }

    const regions = [props.primaryRegion, props.recoveryRegion];
    const inRegions = { StringEquals: { 'aws:RequestedRegion': regions } };
    const sm = (name: string) =>
      stack.formatArn({
        service: 'states',
        region: props.recoveryRegion,
        resource: 'stateMachine',
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const executions = (name: string) =>
      stack.formatArn({
        service: 'states',
        region: props.recoveryRegion,
        resource: 'execution',
        resourceName: `${name}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    const { drill, failover, failback } = props.stateMachines;
    const allMachines = [drill, failover, failback];
    const vaultArns = props.vaults.map((v) =>
      stack.formatArn({
        service: 'backup',
        region: v.region,
        resource: 'backup-vault',
        resourceName: v.name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    const recoveryPoints = regions.map((region) =>
      stack.formatArn({
        service: 'backup',
        region,
        resource: 'recovery-point',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    const approvalParameters = stack.formatArn({
      service: 'ssm',
      region: props.recoveryRegion,
      resource: 'parameter',
      resourceName: `${props.approvalParameterPrefix.replace(/^\//, '')}/*`,
    });

    const follow = (machines: string[]) =>
      new iam.PolicyStatement({
        sid: 'FollowRuns',
        actions: [
          'states:DescribeStateMachine',
          'states:ListExecutions',
          'states:DescribeExecution',
          'states:GetExecutionHistory',
        ],
        resources: [...machines.map(sm), ...machines.map(executions)],
      });
    const backupMetadata = [
      new iam.PolicyStatement({
        sid: 'ReadVaultsAndRecoveryPoints',
        actions: [
          'backup:DescribeBackupVault',
          'backup:ListRecoveryPointsByBackupVault',
          'backup:GetBackupVaultAccessPolicy',
          'backup:GetBackupVaultNotifications',
          'backup:DescribeRecoveryPoint',
        ],
        resources: [...vaultArns, ...recoveryPoints],
      }),
      new iam.PolicyStatement({
        sid: 'ReadBackupPlansJobsAndReports',
        actions: [
          'backup:ListBackupVaults',
          'backup:ListBackupPlans',
          'backup:GetBackupPlan',
          'backup:ListBackupSelections',
          'backup:GetBackupSelection',
          'backup:ListBackupJobs',
          'backup:DescribeBackupJob',
          'backup:ListCopyJobs',
          'backup:DescribeCopyJob',
          'backup:ListRestoreJobs',
          'backup:DescribeRestoreJob',
          'backup:ListReportPlans',
          'backup:DescribeReportPlan',
          'backup:ListReportJobs',
          'backup:DescribeReportJob',
          'backup:ListFrameworks',
          'backup:DescribeFramework',
          'rds:DescribeDBInstances',
          'rds:DescribeDBSnapshots',
          'rds:DescribeDBInstanceAutomatedBackups',
          // rxdr status reads each instance's parameters and storage key (conformance).
          'rds:DescribeDBParameters',
          'kms:DescribeKey',
          'cloudwatch:DescribeAlarms',
          'cloudwatch:DescribeAlarmHistory',
        ],
        resources: ['*'],
        conditions: inRegions,
      }),
    ];
    const startRuns = new iam.PolicyStatement({
      sid: 'StartDrillsFailoversAndFailbacks',
      actions: ['states:StartExecution'],
      resources: allMachines.map(sm),
    });
    const gatewayArn = stack.formatArn({
      service: 'lambda',
      region: props.recoveryRegion,
      resource: 'function',
      resourceName: props.runbookGatewayFunctionName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const useGateway = new iam.PolicyStatement({
      sid: 'UseTheRunbookGateway',
      actions: ['lambda:InvokeFunctionUrl', 'lambda:InvokeFunction', 'lambda:GetFunctionUrlConfig'],
      resources: [gatewayArn],
    });
    const runDocuments = (sid: string, documents: string[]) => [
      new iam.PolicyStatement({
        sid,
        actions: ['ssm:StartAutomationExecution'],
        resources: documents.map((d) =>
          stack.formatArn({
            service: 'ssm',
            region: props.recoveryRegion,
            resource: 'automation-definition',
            resourceName: `${d}:*`,
          }),
        ),
      }),
      new iam.PolicyStatement({
        sid: `${sid}Follow`,
        actions: ['ssm:GetAutomationExecution', 'ssm:DescribeAutomationStepExecutions'],
        resources: [
          stack.formatArn({
            service: 'ssm',
            region: props.recoveryRegion,
            resource: 'automation-execution',
            resourceName: '*',
          }),
        ],
      }),
    ];
    // Only the gateway starts runbooks and answers their approval gate (break-glass excepted, and alarmed).
    const onlyThroughTheGateway = (sid: string, actions: string[]) =>
      new iam.PolicyStatement({
        sid,
        effect: iam.Effect.DENY,
        actions,
        resources: [sm(failover), sm(failback), approvalParameters],
      });
    const approve = [
      new iam.PolicyStatement({
        sid: 'ApproveOrAbortPausedRuns',
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: [sm(failover), sm(failback)],
      }),
      new iam.PolicyStatement({
        sid: 'ReadApprovalTokens',
        actions: ['ssm:GetParameter', 'ssm:GetParametersByPath'],
        resources: [approvalParameters],
      }),
      new iam.PolicyStatement({
        sid: 'DecryptApprovalTokens',
        actions: ['kms:Decrypt'],
        resources: [props.recoveryKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `ssm.${props.recoveryRegion}.amazonaws.com` } },
      }),
    ];

    const person = personTrust(props.requireMfa ?? true);
    const records = {
      environmentName: props.environmentName,
      primaryRegion: props.primaryRegion,
      recoveryRegion: props.recoveryRegion,
      evidenceBucket: props.evidenceBucket,
      recoveryKey: props.recoveryKey,
    };
    this.operator = this.role(
      'Operator',
      props.environmentName,
      new iam.AccountRootPrincipal().withConditions(person),
      [
        follow(allMachines),
        new iam.PolicyStatement({
          sid: 'StartDrills',
          actions: ['states:StartExecution'],
          resources: [sm(drill)],
        }),
        useGateway,
        ...runDocuments('RunStartDocuments', [props.documents.failover, props.documents.failback]),
        ...backupMetadata,
        new iam.PolicyStatement({
          sid: 'NeverApprove',
          effect: iam.Effect.DENY,
          actions: [...APPROVAL_ACTIONS, 'ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
          resources: ['*'],
        }),
        onlyThroughTheGateway('RunbooksOnlyThroughTheGateway', ['states:StartExecution']),
        ...gameDayStatements(this, records),
      ],
    );
    allowSourceIdentity(this.operator, person);
    trustAutomation(this.operator, props.automationPrincipals ?? []);

    this.approver = this.role(
      'Approver',
      props.environmentName,
      new iam.AccountRootPrincipal().withConditions(person),
      [
        follow([failover, failback]),
        useGateway,
        ...runDocuments('RunApproveDocument', [props.documents.approve]),
        ...trainingRecordStatements(records),
        new iam.PolicyStatement({
          sid: 'NeverStartRuns',
          effect: iam.Effect.DENY,
          actions: ['states:StartExecution'],
          resources: ['*'],
        }),
        onlyThroughTheGateway('ApproveOnlyThroughTheGateway', [
          ...APPROVAL_ACTIONS,
          'ssm:GetParameter',
          'ssm:GetParameters',
          'ssm:GetParametersByPath',
        ]),
      ],
    );
    allowSourceIdentity(this.approver, person);

    const auditorStatements = [
      follow(allMachines),
      ...backupMetadata,
      new iam.PolicyStatement({
        sid: 'ReadEvidence',
        actions: [
          's3:GetObject',
          's3:GetObjectVersion',
          's3:GetObjectRetention',
          's3:GetObjectLegalHold',
          's3:GetObjectAttributes',
        ],
        resources: [props.evidenceBucket.arnForObjects('*')],
      }),
      new iam.PolicyStatement({
        sid: 'ListEvidence',
        actions: ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketObjectLockConfiguration'],
        resources: [props.evidenceBucket.bucketArn],
      }),
      new iam.PolicyStatement({
        sid: 'DecryptEvidenceThroughS3',
        actions: ['kms:Decrypt'],
        resources: [props.recoveryKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${props.recoveryRegion}.amazonaws.com` } },
      }),
      new iam.PolicyStatement({
        sid: 'ReadTrailEvents',
        actions: ['cloudtrail:LookupEvents', 'cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus'],
        resources: ['*'],
        conditions: inRegions,
      }),
      new iam.PolicyStatement({
        sid: 'NoPatientData',
        effect: iam.Effect.DENY,
        actions: [...PATIENT_DATA_ACTIONS],
        resources: ['*'],
      }),
    ];
    if (props.auditLogs) {
      auditorStatements.push(
        new iam.PolicyStatement({
          sid: 'ReadTrailLogFiles',
          actions: ['s3:GetObject', 's3:GetObjectVersion'],
          resources: [props.auditLogs.bucket.arnForObjects('AWSLogs/*')],
        }),
        new iam.PolicyStatement({
          sid: 'ListTrailLogFiles',
          actions: ['s3:ListBucket'],
          resources: [props.auditLogs.bucket.bucketArn],
        }),
        new iam.PolicyStatement({
          sid: 'DecryptTrailLogFiles',
          actions: ['kms:Decrypt'],
          resources: [props.auditLogs.key.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${props.recoveryRegion}.amazonaws.com` } },
        }),
      );
    }
    this.auditor = this.role('Auditor', props.environmentName, new iam.AccountRootPrincipal(), auditorStatements);

    const mfa = new iam.AccountRootPrincipal().withConditions({
      Bool: { 'aws:MultiFactorAuthPresent': 'true' },
      NumericLessThan: { 'aws:MultiFactorAuthAge': String(mfaMaxAge.toSeconds()) },
    });
    this.breakGlass = this.role(
      'BreakGlass',
      props.environmentName,
      mfa,
      [
        follow(allMachines),
        startRuns,
        ...approve,
        useGateway,
        ...backupMetadata,
        new iam.PolicyStatement({
          sid: 'AdministerVaultsAndRecoveryPoints',
          actions: [...PROTECTED_VAULT_ACTIONS, 'backup:PutBackupVaultLockConfiguration'],
          resources: [...vaultArns, ...recoveryPoints],
        }),
      ],
      props.breakGlassRoleName,
    );
  }

  private role(
    kind: RoleKind,
    environmentName: string,
    principal: iam.IPrincipal,
    statements: iam.PolicyStatement[],
    roleName?: string,
  ): iam.Role {
    const definition = ROLE_DEFINITIONS[kind];
    const role = new iam.Role(this, kind, {
      roleName,
      assumedBy: principal,
      description: `rxdr ${environmentName} ${kind}: ${definition.purpose}`.slice(0, 1000),
      maxSessionDuration: Duration.hours(definition.maxSessionHours),
    });
    // A customer-managed policy per role (HIPAA/NIST prefer them to inline policies: reusable, versioned).
    const document = new iam.PolicyDocument({ statements });
    const policy = new iam.ManagedPolicy(this, `${kind}Policy`, {
      description: `rxdr ${environmentName} ${kind} permissions`,
      document,
      roles: [role],
    });
    acknowledgeResourceFamilies(policy, document);
    return role;
  }
}

/**
 * Who may assume the Operator or Approver role: a person of this account (an IAM user, or a session that carries
 * the source identity its identity provider set), with MFA where required, who sets their user name as the
 * source identity and the session name. The runbook gateway reads the person from the session name, so a person
 * is the same person through either role; the source identity follows every chained session into CloudTrail.
 */
function personTrust(requireMfa: boolean): Record<string, unknown> {
  return {
    ...(requireMfa ? { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } : {}),
    StringEquals: { 'sts:SourceIdentity': '${aws:username}', 'sts:RoleSessionName': '${aws:username}' },
  };
}

/** The trust statement that lets a caller set the source identity, on the same conditions as AssumeRole. */
function allowSourceIdentity(role: iam.Role, conditions: Record<string, unknown>): void {
  role.assumeRolePolicy?.addStatements(
    new iam.PolicyStatement({
      actions: ['sts:SetSourceIdentity'],
      principals: [new iam.AccountRootPrincipal()],
      conditions,
    }),
  );
}

/** CI roles assume the Operator role without MFA, and still set a source identity. */
function trustAutomation(role: iam.Role, automationPrincipals: readonly string[]): void {
  for (const arn of automationPrincipals) {
    role.assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
        principals: [new iam.ArnPrincipal(arn)],
        conditions: { Null: { 'sts:SourceIdentity': 'false' } },
      }),
    );
  }
}

/**
 * Acknowledge AwsSolutions-IAM5 for exactly the wildcard resources of this policy's Allow statements (the
 * finding ids name each resource), never for wildcard actions (there are none, and a new one would fail).
 */
function acknowledgeResourceFamilies(policy: iam.ManagedPolicy, document: iam.PolicyDocument): void {
  const resolved = Stack.of(policy).resolve(document.toJSON()) as {
    Statement?: { Effect: string; Resource?: unknown }[];
  };
  const wildcards = new Set<string>();
  for (const statement of resolved.Statement ?? []) {
    if (statement.Effect !== 'Allow') continue;
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    for (const resource of resources.map((r) => nagName(policy, r)))
      if (resource.includes('*')) wildcards.add(resource);
  }
  for (const resource of wildcards) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${resource}]`,
      reason:
        resource === '*'
          ? "List/describe actions without resource-level permissions (backup, rds, cloudwatch, cloudtrail, fis), narrowed to the environment's two regions by aws:RequestedRegion"
          : 'A resource family, not a wildcard grant: executions of one named state machine, recovery points of ' +
            'this account in one region, objects of one bucket, or approval parameters under one path',
    });
  }
}
