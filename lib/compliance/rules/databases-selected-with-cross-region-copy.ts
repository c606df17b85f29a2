import { CfnResource, Stack } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { vaultRegion } from './copy-outside-source-region';
import { RxdrRule } from './index';
import { arnText, asArray, environmentOf, resolvedProperties } from './template-values';

/**
 * HIPAA H1, checked on the primary-region vault (one resource per primary stack): every configured
 * database is selected (by `rxdr:tier` tag or by its instance ARN) by a plan in this stack whose every rule
 * copies to another region. cdk-nag's RDSInBackupPlan sees only same-stack logical ids; this sees tags
 * and adopted ARNs.
 */
export const databasesSelectedWithCrossRegionCopy: RxdrRule = {
  id: 'DatabasesSelectedWithCrossRegionCopy',
  info: 'A configured database is not selected by a backup plan that copies every recovery point to another region.',
  explanation: 'HIPAA 164.308(a)(7)(ii)(A): every data store with patient data needs retrievable exact copies outside the primary region. Select it by the rxdr:tier tag or by ARN (adopted databases).',
  check(node: CfnResource): NagRuleResult {
    if (node.cfnResourceType !== 'AWS::Backup::BackupVault') return NagRuleCompliance.NOT_APPLICABLE;
    const config = environmentOf(node);
    const stack = Stack.of(node);
    if (!config || stack.region !== config.primaryRegion) return NagRuleCompliance.NOT_APPLICABLE;

    const resources = cfnResources(stack);
    const plans = new Map<string, Record<string, unknown>>();
    for (const r of resources.filter((r) => r.cfnResourceType === 'AWS::Backup::BackupPlan')) plans.set(stack.resolve(r.logicalId) as string, resolvedProperties(r));
    const copiesAway = (planRef: unknown): boolean => {
      const id = (planRef as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
      const plan = id ? (plans.get(id)?.BackupPlan as Record<string, unknown> | undefined) : undefined;
      const rules = asArray(plan?.BackupPlanRule);
      return rules.length > 0 && rules.every((rule) => asArray(rule.CopyActions).some((c) => { const region = vaultRegion(c.DestinationBackupVaultArn); return region !== undefined && region !== stack.region; }));
    };
    const selections = resources
      .filter((r) => r.cfnResourceType === 'AWS::Backup::BackupSelection')
      .map((r) => resolvedProperties(r))
      .filter((p) => copiesAway(p.BackupPlanId))
      .map((p) => p.BackupSelection as { ListOfTags?: { ConditionKey: string; ConditionValue: string }[]; Resources?: unknown[] });

    const covered = config.databases.every((db) =>
      selections.some((s) => {
        const byTag = asArray<{ ConditionKey: string; ConditionValue: string }>(s.ListOfTags).some((t) => t.ConditionKey === 'rxdr:tier' && t.ConditionValue === db.tier);
        const byArn = db.mode === 'adopt' && asArray<unknown>(s.Resources).map(arnText).some((arn) => arn?.endsWith(`:rds:${config.primaryRegion}:${config.account}:db:${db.instanceIdentifier}`));
        return db.mode === 'adopt' ? byArn || byTag : byTag;
      }),
    );
    return covered ? NagRuleCompliance.COMPLIANT : NagRuleCompliance.NON_COMPLIANT;
  },
};

function cfnResources(scope: IConstruct): CfnResource[] {
  return scope.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
}
