import { CfnResource, Stack, Token } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { RxdrRule } from './index';
import { arnText, asArray, resolvedProperties } from './template-values';

/** Region of a backup-vault ARN, if it can be read at synth time. */
export function vaultRegion(arn: unknown): string | undefined {
  return arnText(arn)?.split(':')[3];
}

/** No backup plan copies into its own region: a copy in the same region survives no regional disaster. */
export const copyOutsideSourceRegion: RxdrRule = {
  id: 'CopyOutsideSourceRegion',
  info: 'A backup plan rule copies to a vault in the plan’s own region (or to one whose region cannot be read).',
  explanation:
    'HIPAA 164.308(a)(7)(ii)(A)/(B): copies for disaster recovery must live outside the failure domain; use the recovery vault’s deterministic ARN in the recovery region.',
  check(node: CfnResource): NagRuleResult {
    if (node.cfnResourceType !== 'AWS::Backup::BackupPlan') return NagRuleCompliance.NOT_APPLICABLE;
    const region = Stack.of(node).region;
    if (Token.isUnresolved(region)) return NagRuleCompliance.NON_COMPLIANT;
    const plan = resolvedProperties(node).BackupPlan as Record<string, unknown> | undefined;
    const copies = asArray(plan?.BackupPlanRule).flatMap((rule) => asArray(rule.CopyActions));
    return copies.every((copy) => {
      const destination = vaultRegion(copy.DestinationBackupVaultArn);
      return destination !== undefined && destination !== region;
    })
      ? NagRuleCompliance.COMPLIANT
      : NagRuleCompliance.NON_COMPLIANT;
  },
};
