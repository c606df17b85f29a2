import { Stack } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import { Template } from 'aws-cdk-lib/assertions';
import { TierBackupPlans, TierBackupPlansProps } from '../../lib/constructs/backup-plans';
import { TierRule } from '../../lib/constructs/tier-rules';

function setup() {
  const stack = new Stack(undefined, 'S', { env: { account: '111111111111', region: 'us-east-1' } });
  const vault = new backup.BackupVault(stack, 'Vault');
  const copy = backup.BackupVault.fromBackupVaultName(stack, 'Copy', 'recovery');
  return { stack, vault, copy };
}

const orders = { name: 'orders', tier: 'critical', mode: 'adopt', instanceIdentifier: 'pharmacy-orders' } as const;

describe('TierBackupPlans with its own props (no environment config)', () => {
  test('one plan and one selection per tier, the selection naming the instance ARN in the stack region', () => {
    const { stack, vault, copy } = setup();
    new TierBackupPlans(stack, 'Plans', {
      environment: 'orders',
      vault,
      copyDestinations: [copy],
      tiers: [{ name: 'critical', rules: [TierRule.daily(35), TierRule.monthly(2190)], databases: [orders] }],
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Backup::BackupPlan', 1);
    const selection = Object.values(template.findResources('AWS::Backup::BackupSelection'))[0]!;
    expect(JSON.stringify(selection.Properties.BackupSelection.Resources)).toContain(
      ':rds:us-east-1:111111111111:db:pharmacy-orders',
    );
  });

  test('bad props throw once, listing every problem with the value received', () => {
    const { stack, vault } = setup();
    const props: TierBackupPlansProps = {
      environment: 'orders',
      vault,
      copyDestinations: [],
      tiers: [
        { name: 'critical', rules: [TierRule.daily(0)], databases: [orders] },
        { name: 'critical', rules: [], databases: [orders] },
      ],
    };
    expect(() => new TierBackupPlans(stack, 'Plans', props)).toThrow(
      'TierBackupPlans: copyDestinations: at least one copy destination (the recovery vault), got none; ' +
        'tiers: each tier once, got critical more than once; ' +
        'tiers.critical.rules.Daily.deleteAfterDays: a whole number of days ≥ 1, got 0; ' +
        'tiers.critical.rules: at least one rule, got none',
    );
  });
});
