import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { EnvironmentConfig } from '../../config/environment-config';
import { TagKeys } from '../../tags';
import { RxdrRule } from './index';
import {
  arnMatches,
  configuredInstance,
  hasConditions,
  requiredTagValues,
  SelectionCriteria,
  selectionCriteria,
} from './selection-criteria';
import { environmentOf } from './template-values';

/**
 * A backup selection selects only its own environment's resources. Each finding names the selection and the
 * criterion that reaches outside: a `ListOfTags` entry, `Conditions` that do not require this environment's
 * `rxdr:env` tag, or (without such a condition) an empty or wildcard `Resources`, or an RDS instance ARN that
 * is not one of the environment's configured databases.
 */
export const backupSelectionWithinEnvironment: RxdrRule = {
  id: 'BackupSelectionWithinEnvironment',
  info: 'A backup selection could select resources outside its environment.',
  explanation:
    'AWS Backup ORs ListOfTags entries with Resources: a tag selects every resource in the ' +
    'account and region that carries it, whatever environment, into this plan’s vault and ' +
    'under its Vault Lock (compliance mode in production: nobody can delete the copies before ' +
    'their retention ends). List the environment’s instance ARNs (DatabaseBackupSelection ' +
    'does), or AND Conditions with StringEquals on aws:ResourceTag/rxdr:env.',
  check(node: CfnResource): NagRuleResult {
    if (node.cfnResourceType !== 'AWS::Backup::BackupSelection') return NagRuleCompliance.NOT_APPLICABLE;
    const criteria = selectionCriteria(node);
    const problems = criteriaOutsideEnvironment(criteria, environmentOf(node));
    return problems.length === 0
      ? NagRuleCompliance.COMPLIANT
      : problems.map((problem) => `${criteria.name}: ${problem}`);
  },
};

/** Why a selection could reach outside the environment (empty when it cannot). Outside an rxdr stack any rxdr:env value counts. */
export function criteriaOutsideEnvironment(
  criteria: SelectionCriteria,
  config: EnvironmentConfig | undefined,
): string[] {
  const problems = criteria.listOfTags.map(
    (t) => `ListOfTags ${t.ConditionKey}=${t.ConditionValue} selects any resource with that tag`,
  );
  const environments = requiredTagValues(criteria, TagKeys.environment);
  const pinned = environments.length > 0 && (!config || environments.every((value) => value === config.name));
  if (hasConditions(criteria) && !pinned) {
    problems.push(
      config
        ? `Conditions do not require ${TagKeys.environment}=${config.name}`
        : `Conditions do not require an ${TagKeys.environment} value`,
    );
  }
  if (pinned) return problems;
  if (criteria.resources.length === 0 && criteria.listOfTags.length === 0)
    problems.push('no Resources: selects every supported resource');
  for (const pattern of criteria.resources) {
    if (pattern?.includes('*')) problems.push(`Resources ${pattern} matches resources of any environment`);
    else if (
      pattern &&
      config &&
      isRdsInstanceArn(pattern) &&
      !config.databases.some((db) => arnMatches(pattern, configuredInstance(config, db).arn))
    ) {
      problems.push(`Resources ${pattern} is not one of the ${config.name} databases`);
    }
  }
  return problems;
}

function isRdsInstanceArn(arn: string): boolean {
  const [, , service, , , resourceType] = arn.split(':');
  return service === 'rds' && resourceType === 'db';
}
