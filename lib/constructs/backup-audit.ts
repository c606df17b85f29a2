import * as backup from 'aws-cdk-lib/aws-backup';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config/environment-config';
import { protectedTiers, retentionBoundsDays } from './tier-rules';

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

/**
 * The controls with their parameters from the environment config. One framework covers all tiers, so
 * `maxRestoreTime` is the strictest RTO of the protected tiers (a tier-1 restore must meet tier 1's RTO).
 */
export function auditControls(config: EnvironmentConfig): AuditControl[] {
  const tiers = protectedTiers(config)
    .map((name) => config.tiers[name])
    .filter((t) => t !== undefined);
  const strictestRtoMinutes = Math.min(...tiers.map((t) => t.rtoMinutes));
  const { min } = retentionBoundsDays(config);
  const isolatedAccount = config.isolatedBackup?.mode === 'cross-account' ? config.isolatedBackup.account : undefined;
  const parameters: Record<AuditControlName, Record<string, string>> = {
    BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN: {},
    BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK: {
      requiredFrequencyUnit: 'hours',
      requiredFrequencyValue: '24',
      requiredRetentionDays: String(config.retention.dailyDays),
    },
    BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK: { requiredRetentionDays: String(min) },
    BACKUP_RECOVERY_POINT_ENCRYPTED: {},
    BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED: {},
    BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK: { minRetentionDays: String(min) },
    BACKUP_LAST_RECOVERY_POINT_CREATED: { recoveryPointAgeUnit: 'hours', recoveryPointAgeValue: '24' },
    RESTORE_TIME_FOR_RESOURCES_MEET_TARGET: { maxRestoreTime: String(strictestRtoMinutes) },
    BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION: { crossRegionList: config.recoveryRegion },
    BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT: isolatedAccount ? { crossAccountList: isolatedAccount } : {},
  };
  return AUDIT_CONTROLS.map((name) => ({ name, parameters: parameters[name] }));
}

export interface BackupAuditProps {
  readonly config: EnvironmentConfig;
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
    this.framework = new backup.CfnFramework(this, 'Framework', {
      frameworkName: props.frameworkName,
      frameworkDescription: `rxdr ${props.config.name}: HIPAA contingency-plan controls for the protected databases`,
      frameworkControls: auditControls(props.config).map((control) => ({
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
      reportPlanDescription: `rxdr ${props.config.name}: daily control compliance report`,
      reportDeliveryChannel: {
        S3BucketName: props.evidenceBucketName,
        S3KeyPrefix: 'backup-audit',
        Formats: ['CSV', 'JSON'],
      },
      reportSetting: { ReportTemplate: 'CONTROL_COMPLIANCE_REPORT', FrameworkArns: [this.framework.attrFrameworkArn] },
    });
  }
}
