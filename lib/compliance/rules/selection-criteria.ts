import { CfnResource } from 'aws-cdk-lib';
import { EnvironmentConfig, ProtectedDatabase } from '../../config/environment-config';
import { names } from '../../naming';
import { APP_TAG_VALUE, TagKeys } from '../../tags';
import { arnText, asArray, resolvedProperties } from './template-values';

interface TagCondition {
  readonly ConditionKey: string;
  readonly ConditionValue: string;
}

type ConditionOperator = 'StringEquals' | 'StringNotEquals' | 'StringLike' | 'StringNotLike';
const OPERATORS: readonly ConditionOperator[] = ['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike'];

/**
 * What an `AWS::Backup::BackupSelection` selects, as synthesized. AWS Backup: entries of `Resources` are ORed,
 * entries of `Conditions` are ANDed (and ANDed with `Resources`), entries of `ListOfTags` are ORed with each
 * other and with `Resources`; `NotResources` excludes; no criterion at all selects every supported resource.
 */
export interface SelectionCriteria {
  /** `SelectionName`, or the construct path when it is not a literal. */
  readonly name: string;
  /** ARN patterns (`*` matches anything); undefined where an entry is not readable at synth (a reference). */
  readonly resources: readonly (string | undefined)[];
  /** Excluded ARN patterns, read like `resources`. */
  readonly notResources: readonly (string | undefined)[];
  readonly listOfTags: readonly TagCondition[];
  /** Tag conditions by operator; keys are `aws:ResourceTag/<tag key>`. */
  readonly conditions: Readonly<Record<ConditionOperator, readonly TagCondition[]>>;
}

export const RESOURCE_TAG_PREFIX = 'aws:ResourceTag/';

export function selectionCriteria(node: CfnResource): SelectionCriteria {
  const selection = (resolvedProperties(node).BackupSelection ?? {}) as Record<string, unknown>;
  const conditions = (selection.Conditions ?? {}) as Record<string, unknown>;
  const name = typeof selection.SelectionName === 'string' ? selection.SelectionName : node.node.path;
  return {
    name,
    resources: asArray<unknown>(selection.Resources).map(arnText),
    notResources: asArray<unknown>(selection.NotResources).map(arnText),
    listOfTags: asArray<TagCondition>(selection.ListOfTags),
    conditions: {
      StringEquals: asArray<TagCondition>(conditions.StringEquals),
      StringNotEquals: asArray<TagCondition>(conditions.StringNotEquals),
      StringLike: asArray<TagCondition>(conditions.StringLike),
      StringNotLike: asArray<TagCondition>(conditions.StringNotLike),
    },
  };
}

export function hasConditions(criteria: SelectionCriteria): boolean {
  return OPERATORS.some((op) => criteria.conditions[op].length > 0);
}

/** Values a `StringEquals` condition requires of a tag (at most one can hold, since conditions are ANDed). */
export function requiredTagValues(criteria: SelectionCriteria, tagKey: string): string[] {
  return criteria.conditions.StringEquals.filter((c) => c.ConditionKey === `${RESOURCE_TAG_PREFIX}${tagKey}`).map(
    (c) => c.ConditionValue,
  );
}

/** A resource as far as synth can know it: its ARN and the tags rxdr itself puts on it. */
export interface KnownResource {
  readonly arn: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** Whether the selection takes in the resource, by AWS Backup's rules above. */
export function selects(criteria: SelectionCriteria, resource: KnownResource): boolean {
  if (criteria.notResources.some((p) => p !== undefined && arnMatches(p, resource.arn))) return false;
  if (criteria.listOfTags.some((t) => resource.tags[t.ConditionKey] === t.ConditionValue)) return true;
  if (criteria.resources.length === 0 && criteria.listOfTags.length > 0) return false;
  const inResources =
    criteria.resources.length === 0 || criteria.resources.some((p) => p !== undefined && arnMatches(p, resource.arn));
  return inResources && conditionsHold(criteria, resource.tags);
}

function conditionsHold(criteria: SelectionCriteria, tags: Readonly<Record<string, string>>): boolean {
  const tag = (c: TagCondition) =>
    c.ConditionKey.startsWith(RESOURCE_TAG_PREFIX) ? tags[c.ConditionKey.slice(RESOURCE_TAG_PREFIX.length)] : undefined;
  const { StringEquals, StringNotEquals, StringLike, StringNotLike } = criteria.conditions;
  return (
    StringEquals.every((c) => tag(c) === c.ConditionValue) &&
    StringNotEquals.every((c) => tag(c) !== c.ConditionValue) &&
    StringLike.every((c) => globMatches(c.ConditionValue, tag(c))) &&
    StringNotLike.every((c) => !globMatches(c.ConditionValue, tag(c)))
  );
}

/** ARN pattern match, partition-blind (synth reads `AWS::Partition` as "aws"). */
export function arnMatches(pattern: string, arn: string): boolean {
  const afterPartition = (s: string) => s.split(':').slice(2).join(':');
  return pattern === '*' || globMatches(afterPartition(pattern), afterPartition(arn));
}

function globMatches(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  const regex = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${regex}$`).test(value);
}

/** A configured database's instance as rxdr knows it: created ones carry rxdr's tags, adopted ones none we know of. */
export function configuredInstance(config: EnvironmentConfig, db: ProtectedDatabase): KnownResource {
  const source = names.primarySource(config, db);
  const tags: Record<string, string> =
    db.mode === 'create'
      ? {
          [TagKeys.environment]: config.name,
          [TagKeys.tier]: db.tier,
          [TagKeys.app]: APP_TAG_VALUE,
          [TagKeys.dataClassification]: config.dataClassification,
        }
      : {};
  return { arn: `arn:aws:rds:${config.primaryRegion}:${config.account}:${source.resource}:${source.identifier}`, tags };
}
