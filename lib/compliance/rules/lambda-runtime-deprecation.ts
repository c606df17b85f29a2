import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import {
  FAIL_WITHIN_DAYS,
  LAMBDA_RUNTIME_DEPRECATION,
  runtimeDeprecation,
  WARN_WITHIN_DAYS,
} from '../lambda-runtime-support';
import { RxdrRule } from './index';
import { resolvedProperties } from './template-values';

const TABLE = Object.entries(LAMBDA_RUNTIME_DEPRECATION)
  .map(([runtime, date]) => `${runtime} → ${date}`)
  .join(', ');

/** Findings for a function whose runtime is deprecated within `withinDays` (and, for the warning, not sooner). */
function deprecatedWithin(node: CfnResource, today: string, withinDays: number, notWithinDays?: number): NagRuleResult {
  if (node.cfnResourceType !== 'AWS::Lambda::Function') return NagRuleCompliance.NOT_APPLICABLE;
  const runtime = resolvedProperties(node).Runtime;
  if (typeof runtime !== 'string') return NagRuleCompliance.NOT_APPLICABLE;
  const { deprecation, daysLeft } = runtimeDeprecation(runtime, today);
  if (deprecation === undefined || daysLeft === undefined) return NagRuleCompliance.NOT_APPLICABLE;
  if (daysLeft > withinDays || (notWithinDays !== undefined && daysLeft <= notWithinDays))
    return NagRuleCompliance.COMPLIANT;
  const when =
    daysLeft < 0 ? `was deprecated on ${deprecation}` : `is deprecated on ${deprecation} (in ${daysLeft} days)`;
  return [`${runtime} ${when}`];
}

/**
 * No function runs a runtime deprecated within 180 days: Lambda blocks updating functions on a deprecated runtime
 * about two months after the date, so every deploy would start failing in the middle of an incident.
 */
export const lambdaRuntimeDeprecation: RxdrRule = {
  id: 'LambdaRuntimeDeprecation',
  info: `A Lambda function runs a runtime deprecated within ${FAIL_WITHIN_DAYS} days (or already deprecated).`,
  explanation:
    `Lambda blocks function updates on a deprecated runtime about two months after its ` +
    `deprecation date. Move every function to the newest runtime ` +
    `(lib/constructs/function-runtime.ts). Deprecation dates: ${TABLE}.`,
  check: (node, { today }) => deprecatedWithin(node, today, FAIL_WITHIN_DAYS),
};

/** A warning, not a failure, a year ahead: time to plan the move of every function to the next runtime. */
export const lambdaRuntimeDeprecationAhead: RxdrRule = {
  id: 'LambdaRuntimeDeprecationAhead',
  info: `A Lambda function runs a runtime deprecated within ${WARN_WITHIN_DAYS} days.`,
  explanation: `Plan the move to the next runtime (lib/constructs/function-runtime.ts): within ${FAIL_WITHIN_DAYS} days of the date synth fails. Deprecation dates: ${TABLE}.`,
  level: NagMessageLevel.WARN,
  check: (node, { today }) => deprecatedWithin(node, today, WARN_WITHIN_DAYS, FAIL_WITHIN_DAYS),
};
