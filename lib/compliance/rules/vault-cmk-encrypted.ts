import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { RxdrRule } from './index';
import { resolvedProperties } from './template-values';

/** Every backup vault is encrypted with a customer-managed key (HIPAA H4). */
export const vaultCmkEncrypted: RxdrRule = {
  id: 'VaultCmkEncrypted',
  info: 'The backup vault does not name a customer-managed KMS key.',
  explanation:
    'HIPAA 164.312(a)(2)(iv): recovery points hold patient data; a CMK lets the covered entity control and audit access to them. Set encryptionKey on the vault.',
  check(node: CfnResource): NagRuleResult {
    if (
      node.cfnResourceType !== 'AWS::Backup::BackupVault' &&
      node.cfnResourceType !== 'AWS::Backup::LogicallyAirGappedBackupVault'
    )
      return NagRuleCompliance.NOT_APPLICABLE;
    return resolvedProperties(node).EncryptionKeyArn ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
};
