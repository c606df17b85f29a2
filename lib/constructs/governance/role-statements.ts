import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PROTECTED_VAULT_ACTIONS } from '../vault-access-policy';
import type { OperatorRolesProps } from './operator-roles';
import { RxdrBackupVault } from '../backup-vault';

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

export const APPROVAL_ACTIONS = ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'];

/**
 * The policy statements the operator roles are assembled from, over the environment's named resources
 * (state machines, vaults, approval parameters, runbook gateway and documents, evidence). Statements on actions
 * without resource-level permissions are narrowed to the environment's two regions.
 */
export class RoleStatements {
  /** Reads of vault and recovery-point metadata, plans, jobs, reports and alarms (no patient data). */
  readonly backupMetadata: iam.PolicyStatement[];
  /** Start any of the three state machines (drill, failover, failback) directly. */
  readonly startRuns: iam.PolicyStatement;
  /** Call the runbook gateway, the only way Operators start and Approvers approve runbooks. */
  readonly useGateway: iam.PolicyStatement;
  /** Approve or abort paused failover and failback runs by reading their task tokens. */
  readonly approve: iam.PolicyStatement[];
  /** Administer vaults and recovery points (break-glass). */
  readonly administerVaults: iam.PolicyStatement;
  private readonly stack: Stack;
  private readonly approvalParameters: string;

  constructor(
    scope: Construct,
    private readonly props: OperatorRolesProps,
  ) {
    const stack = Stack.of(scope);
    this.stack = stack;
    const regions = [props.primaryRegion, props.recoveryRegion];
    const vaultArns = props.vaults.map((v) => RxdrBackupVault.arnInRegion(scope, v.name, v.region));
    const recoveryPoints = regions.map((region) =>
      stack.formatArn({
        service: 'backup',
        region,
        resource: 'recovery-point',
        resourceName: '*',
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    this.approvalParameters = stack.formatArn({
      service: 'ssm',
      region: props.recoveryRegion,
      resource: 'parameter',
      resourceName: `${props.approvalParameterPrefix.replace(/^\//, '')}/*`,
    });

    this.backupMetadata = [
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
          // The same for clusters: the cluster, its cluster parameters, its global database.
          'rds:DescribeDBClusters',
          'rds:DescribeDBClusterParameters',
          'rds:DescribeGlobalClusters',
          'kms:DescribeKey',
          'cloudwatch:DescribeAlarms',
          'cloudwatch:DescribeAlarmHistory',
        ],
        resources: ['*'],
        conditions: this.inRegions,
      }),
    ];
    const { drill, failover, failback } = props.stateMachines;
    this.startRuns = new iam.PolicyStatement({
      sid: 'StartDrillsFailoversAndFailbacks',
      actions: ['states:StartExecution'],
      resources: [drill, failover, failback].map((name) => this.stateMachine(name)),
    });
    const gatewayArn = stack.formatArn({
      service: 'lambda',
      region: props.recoveryRegion,
      resource: 'function',
      resourceName: props.runbookGatewayFunctionName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.useGateway = new iam.PolicyStatement({
      sid: 'UseTheRunbookGateway',
      actions: ['lambda:InvokeFunctionUrl', 'lambda:InvokeFunction', 'lambda:GetFunctionUrlConfig'],
      resources: [gatewayArn],
    });
    this.approve = [
      new iam.PolicyStatement({
        sid: 'ApproveOrAbortPausedRuns',
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: [this.stateMachine(failover), this.stateMachine(failback)],
      }),
      new iam.PolicyStatement({
        sid: 'ReadApprovalTokens',
        actions: ['ssm:GetParameter', 'ssm:GetParametersByPath'],
        resources: [this.approvalParameters],
      }),
      new iam.PolicyStatement({
        sid: 'DecryptApprovalTokens',
        actions: ['kms:Decrypt'],
        resources: [props.recoveryKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `ssm.${props.recoveryRegion}.amazonaws.com` } },
      }),
    ];
    this.administerVaults = new iam.PolicyStatement({
      sid: 'AdministerVaultsAndRecoveryPoints',
      actions: [...PROTECTED_VAULT_ACTIONS, 'backup:PutBackupVaultLockConfiguration'],
      resources: [...vaultArns, ...recoveryPoints],
    });
  }

  /** Requests to the environment's two regions only, for actions without resource-level permissions. */
  get inRegions(): Record<string, unknown> {
    return { StringEquals: { 'aws:RequestedRegion': [this.props.primaryRegion, this.props.recoveryRegion] } };
  }

  /** A state machine of the recovery region, by name. */
  stateMachine(name: string): string {
    return this.stack.formatArn({
      service: 'states',
      region: this.props.recoveryRegion,
      resource: 'stateMachine',
      resourceName: name,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** Follow the runs of the named state machines (describe, list, history). */
  follow(machines: string[]): iam.PolicyStatement {
    const executions = (name: string) =>
      this.stack.formatArn({
        service: 'states',
        region: this.props.recoveryRegion,
        resource: 'execution',
        resourceName: `${name}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    return new iam.PolicyStatement({
      sid: 'FollowRuns',
      actions: [
        'states:DescribeStateMachine',
        'states:ListExecutions',
        'states:DescribeExecution',
        'states:GetExecutionHistory',
      ],
      resources: [...machines.map((name) => this.stateMachine(name)), ...machines.map(executions)],
    });
  }

  /** Run the named SSM Automation documents and follow their executions. */
  runDocuments(sid: string, documents: string[]): iam.PolicyStatement[] {
    const { stack, props } = this;
    return [
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
  }

  /** Only the gateway starts runbooks and answers their approval gate (break-glass excepted, and alarmed). */
  onlyThroughTheGateway(sid: string, actions: string[]): iam.PolicyStatement {
    const { failover, failback } = this.props.stateMachines;
    return new iam.PolicyStatement({
      sid,
      effect: iam.Effect.DENY,
      actions,
      resources: [this.stateMachine(failover), this.stateMachine(failback), this.approvalParameters],
    });
  }

  /** The Auditor's reads of the evidence and the audit trail, and the explicit denial of patient data. */
  auditorReads(): iam.PolicyStatement[] {
    const { props } = this;
    const statements = [
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
        conditions: this.inRegions,
      }),
      new iam.PolicyStatement({
        sid: 'NoPatientData',
        effect: iam.Effect.DENY,
        actions: [...PATIENT_DATA_ACTIONS],
        resources: ['*'],
      }),
    ];
    if (props.auditLogs) {
      statements.push(
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
    return statements;
  }
}
