import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { RxdrRule } from './index';
import { environmentOf, resolvedProperties } from './template-values';

/** Production vaults are locked in compliance mode (a lock with a cooling-off). */
export const prodVaultComplianceLock: RxdrRule = {
  id: 'ProdVaultComplianceLock',
  info: 'A production backup vault is not locked in compliance mode.',
  explanation:
    'Ransomware resistance (docs/domain.md defaults, H7): in production a Vault Lock with ' +
    'ChangeableForDays >= 3 becomes immutable after its cooling-off; governance mode can be ' +
    'removed by an administrator.',
  check(node: CfnResource): NagRuleResult {
    if (node.cfnResourceType !== 'AWS::Backup::BackupVault') return NagRuleCompliance.NOT_APPLICABLE;
    const config = environmentOf(node);
    if (!config?.production) return NagRuleCompliance.NOT_APPLICABLE;
    const lock = resolvedProperties(node).LockConfiguration as { ChangeableForDays?: number } | undefined;
    return typeof lock?.ChangeableForDays === 'number' && lock.ChangeableForDays >= 3
      ? NagRuleCompliance.COMPLIANT
      : NagRuleCompliance.NON_COMPLIANT;
  },
};
