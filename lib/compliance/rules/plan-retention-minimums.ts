import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { RxdrRule } from './index';
import { asArray, environmentOf, resolvedProperties } from './template-values';

const CLASS_TO_RETENTION = {
  continuous: 'continuousDays',
  daily: 'dailyDays',
  hourly: 'dailyDays',
  monthly: 'monthlyDays',
} as const;

/** Every rule (and every copy) of an rxdr plan keeps recovery points at least as long as the config requires. */
export const planRetentionMinimums: RxdrRule = {
  id: 'PlanRetentionMinimums',
  info: 'A backup plan rule or copy keeps recovery points shorter than the environment’s configured retention (or has no recovery-point class tag).',
  explanation:
    'Retention minimums (docs/domain.md P1-P4, H6): 35 days daily/continuous, 10 years monthly unless waived with a reason in the config.',
  check(node: CfnResource): NagRuleResult {
    if (node.cfnResourceType !== 'AWS::Backup::BackupPlan') return NagRuleCompliance.NOT_APPLICABLE;
    const config = environmentOf(node);
    if (!config) return NagRuleCompliance.NOT_APPLICABLE;
    const plan = resolvedProperties(node).BackupPlan as Record<string, unknown> | undefined;
    const ok = asArray(plan?.BackupPlanRule).every((rule) => {
      const pointClass = (rule.RecoveryPointTags as Record<string, string> | undefined)?.[
        'rxdr:recovery-point-class'
      ] as keyof typeof CLASS_TO_RETENTION | undefined;
      const key = pointClass ? CLASS_TO_RETENTION[pointClass] : undefined;
      if (!key) return false;
      const required = config.retention[key];
      const lifecycles = [rule.Lifecycle, ...asArray(rule.CopyActions).map((c) => c.Lifecycle)] as (
        { DeleteAfterDays?: number } | undefined
      )[];
      return lifecycles.every((l) => typeof l?.DeleteAfterDays === 'number' && l.DeleteAfterDays >= required);
    });
    return ok ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
};
