import { Token } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import { Construct } from 'constructs';

/** The ten AWS Backup Audit Manager controls docs/domain.md lists, in its order. */
export const AUDIT_CONTROLS = [
  'BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN',
  'BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK',
  'BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK',
  'BACKUP_RECOVERY_POINT_ENCRYPTED',
  'BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED',
  'BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK',
  'BACKUP_LAST_RECOVERY_POINT_CREATED',
  'RESTORE_TIME_FOR_RESOURCES_MEET_TARGET',
  'BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION',
  'BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT',
] as const;
export type AuditControlName = (typeof AUDIT_CONTROLS)[number];

export interface AuditControl {
  readonly name: AuditControlName;
  readonly parameters: Readonly<Record<string, string>>;
}

/** What the controls check the protected databases against. */
export interface AuditTargets {
  /** Days the daily backups must be kept (the plan-frequency control). */
  readonly dailyRetentionDays: number;
  /** The shortest retention any recovery point may have, and the vault lock's minimum. */
  readonly minRetentionDays: number;
  /** A restore must finish within this many minutes: the strictest RTO of the protected tiers. */
  readonly maxRestoreMinutes: number;
  /** The region every recovery point must be copied to. */
  readonly crossRegion: string;
  /**
   * The account every recovery point must also be copied to.
   * @default - the cross-account control runs without an account list
   */
  readonly crossAccount?: string;
}

/**
 * The controls with their parameters. One framework covers all tiers, so `maxRestoreMinutes` is the strictest RTO
 * of the protected tiers (a tier-1 restore must meet tier 1's RTO).
 */
export function auditControls(targets: AuditTargets): AuditControl[] {
  const min = targets.minRetentionDays;
  const parameters: Record<AuditControlName, Record<string, string>> = {
    BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN: {},
    BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK: {
      requiredFrequencyUnit: 'hours',
      requiredFrequencyValue: '24',
      requiredRetentionDays: String(targets.dailyRetentionDays),
    },
    BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK: { requiredRetentionDays: String(min) },
    BACKUP_RECOVERY_POINT_ENCRYPTED: {},
    BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED: {},
    BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK: { minRetentionDays: String(min) },
    BACKUP_LAST_RECOVERY_POINT_CREATED: { recoveryPointAgeUnit: 'hours', recoveryPointAgeValue: '24' },
    RESTORE_TIME_FOR_RESOURCES_MEET_TARGET: { maxRestoreTime: String(targets.maxRestoreMinutes) },
    BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION: { crossRegionList: targets.crossRegion },
    BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT: targets.crossAccount ? { crossAccountList: targets.crossAccount } : {},
  };
  return AUDIT_CONTROLS.map((name) => ({ name, parameters: parameters[name] }));
}

/** Every problem with the targets, each naming the value received (empty when there is none). */
export function auditTargetProblems(targets: AuditTargets): string[] {
  const problems: string[] = [];
  const whole = (name: keyof AuditTargets, value: number) => {
    if (!Token.isUnresolved(value) && !(Number.isInteger(value) && value > 0))
      problems.push(`${name}: a positive whole number, got ${value}`);
  };
  whole('dailyRetentionDays', targets.dailyRetentionDays);
  whole('minRetentionDays', targets.minRetentionDays);
  whole('maxRestoreMinutes', targets.maxRestoreMinutes);
  const account = targets.crossAccount;
  if (account !== undefined && !Token.isUnresolved(account) && !/^\d{12}$/.test(account))
    problems.push(`crossAccount: a 12-digit account id, got ${account}`);
  return problems;
}

export interface BackupAuditProps {
  /** Environment name, in the framework's and the report plan's descriptions. */
  readonly environmentName: string;
  /** What the controls check the protected databases against. */
  readonly targets: AuditTargets;
  readonly frameworkName: string;
  readonly reportPlanName: string;
  /** Evidence bucket name (recovery region), where the compliance reports land. */
  readonly evidenceBucketName: string;
}

/**
 * AWS Backup Audit Manager: a framework with the ten controls of docs/domain.md scoped to RDS, and a report plan
 * delivering the control compliance report to the evidence bucket (HIPAA 164.316: kept with the evidence).
 */
export class BackupAudit extends Construct {
  readonly framework: backup.CfnFramework;
  readonly reportPlan: backup.CfnReportPlan;

  constructor(scope: Construct, id: string, props: BackupAuditProps) {
    super(scope, id);
    const problems = auditTargetProblems(props.targets);
    if (problems.length > 0) throw new Error(`BackupAudit: ${problems.join('; ')}`);
    this.framework = new backup.CfnFramework(this, 'Framework', {
      frameworkName: props.frameworkName,
      frameworkDescription: `rxdr ${props.environmentName}: HIPAA contingency-plan controls for the protected databases`,
      frameworkControls: auditControls(props.targets).map((control) => ({
        controlName: control.name,
        controlInputParameters: Object.entries(control.parameters).map(([parameterName, parameterValue]) => ({
          parameterName,
          parameterValue,
        })),
        controlScope: { ComplianceResourceTypes: ['RDS'] }, // untyped in CloudFormation: keys as CloudFormation spells them
      })),
    });
    this.reportPlan = new backup.CfnReportPlan(this, 'ReportPlan', {
      reportPlanName: props.reportPlanName,
      reportPlanDescription: `rxdr ${props.environmentName}: daily control compliance report`,
      reportDeliveryChannel: {
        S3BucketName: props.evidenceBucketName,
        S3KeyPrefix: 'backup-audit',
        Formats: ['CSV', 'JSON'],
      },
      reportSetting: { ReportTemplate: 'CONTROL_COMPLIANCE_REPORT', FrameworkArns: [this.framework.attrFrameworkArn] },
    });
  }
}
