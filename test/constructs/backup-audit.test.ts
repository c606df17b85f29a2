import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AuditTargets, BackupAudit } from '../../lib/constructs/backup-audit';
import { testApp } from '../helpers/synth';

const TARGETS: AuditTargets = {
  dailyRetentionDays: 35,
  minRetentionDays: 7,
  maxRestoreMinutes: 240,
  crossRegion: 'us-west-2',
};

function audit(targets: Partial<AuditTargets> = {}): Template {
  const stack = new Stack(testApp(), 'AuditStack', { env: { account: '111111111111', region: 'us-east-1' } });
  new BackupAudit(stack, 'Audit', {
    environmentName: 'orders',
    targets: { ...TARGETS, ...targets },
    frameworkName: 'orders_framework',
    reportPlanName: 'orders_report',
    evidenceBucketName: 'orders-evidence',
  });
  return Template.fromStack(stack);
}

describe('BackupAudit, with its own props', () => {
  test('GIVEN targets WHEN synthesized THEN the controls carry them', () => {
    const framework = audit({ crossAccount: '222222222222' }).findResources('AWS::Backup::Framework');
    const controls = Object.values(framework)[0]!.Properties.FrameworkControls as {
      ControlName: string;
      ControlInputParameters?: { ParameterName: string; ParameterValue: string }[];
    }[];
    const parameter = (control: string, name: string) =>
      controls.find((c) => c.ControlName === control)?.ControlInputParameters?.find((p) => p.ParameterName === name)
        ?.ParameterValue;
    expect(controls).toHaveLength(10);
    expect(parameter('RESTORE_TIME_FOR_RESOURCES_MEET_TARGET', 'maxRestoreTime')).toBe('240');
    expect(parameter('BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK', 'requiredRetentionDays')).toBe('7');
    expect(parameter('BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK', 'requiredRetentionDays')).toBe('35');
    expect(parameter('BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION', 'crossRegionList')).toBe('us-west-2');
    expect(parameter('BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT', 'crossAccountList')).toBe('222222222222');
  });

  test('GIVEN no cross account WHEN synthesized THEN the cross-account control has no account list', () => {
    const framework = Object.values(audit().findResources('AWS::Backup::Framework'))[0]!;
    const crossAccount = (framework.Properties.FrameworkControls as Record<string, unknown>[]).find(
      (c) => c.ControlName === 'BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT',
    );
    expect(crossAccount?.ControlInputParameters ?? []).toEqual([]);
  });

  test('GIVEN impossible targets WHEN constructed THEN one error lists each with the value received', () => {
    expect(() => audit({ maxRestoreMinutes: 0, minRetentionDays: 1.5, crossAccount: '12345' })).toThrow(
      'BackupAudit: minRetentionDays: a positive whole number, got 1.5; maxRestoreMinutes: a positive whole ' +
        'number, got 0; crossAccount: a 12-digit account id, got 12345',
    );
  });
});
