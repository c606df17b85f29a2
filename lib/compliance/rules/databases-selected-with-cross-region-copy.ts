import { CfnResource, Stack } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { vaultRegion } from './copy-outside-source-region';
import { RxdrRule } from './index';
import { configuredInstance, selectionCriteria, selects } from './selection-criteria';
import { asArray, environmentOf, resolvedProperties } from './template-values';

/**
 * HIPAA H1, checked on the primary-region vault (one resource per primary stack): every configured
 * database is selected by a plan in this stack whose every rule copies to another region. A selection counts
 * when AWS Backup would take the instance in: by its ARN (or a pattern matching it), by `Conditions` the
 * tags rxdr puts on created instances satisfy, or by a `ListOfTags` entry they carry. cdk-nag's
 * RDSInBackupPlan sees only same-stack logical ids.
 */
export const databasesSelectedWithCrossRegionCopy: RxdrRule = {
  id: 'DatabasesSelectedWithCrossRegionCopy',
  info: 'A configured database is not selected by a backup plan that copies every recovery point to another region.',
  explanation:
    'HIPAA 164.308(a)(7)(ii)(A): every data store with patient data needs retrievable exact copies outside the primary region. Select it by its instance ARN (DatabaseBackupSelection does).',
  check(node: CfnResource): NagRuleResult {
    if (node.cfnResourceType !== 'AWS::Backup::BackupVault') return NagRuleCompliance.NOT_APPLICABLE;
    const config = environmentOf(node);
    const stack = Stack.of(node);
    if (!config || stack.region !== config.primaryRegion) return NagRuleCompliance.NOT_APPLICABLE;

    const resources = cfnResources(stack);
    const plans = new Map<string, Record<string, unknown>>();
    for (const r of resources.filter((r) => r.cfnResourceType === 'AWS::Backup::BackupPlan'))
      plans.set(stack.resolve(r.logicalId) as string, resolvedProperties(r));
    const copiesAway = (planRef: unknown): boolean => {
      const id = (planRef as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
      const plan = id ? (plans.get(id)?.BackupPlan as Record<string, unknown> | undefined) : undefined;
      const rules = asArray(plan?.BackupPlanRule);
      return (
        rules.length > 0 &&
        rules.every((rule) =>
          asArray(rule.CopyActions).some((c) => {
            const region = vaultRegion(c.DestinationBackupVaultArn);
            return region !== undefined && region !== stack.region;
          }),
        )
      );
    };
    const selections = resources
      .filter(
        (r) => r.cfnResourceType === 'AWS::Backup::BackupSelection' && copiesAway(resolvedProperties(r).BackupPlanId),
      )
      .map(selectionCriteria);
    const covered = config.databases.every((db) => selections.some((s) => selects(s, configuredInstance(config, db))));
    return covered ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
};

function cfnResources(scope: IConstruct): CfnResource[] {
  return scope.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
}
