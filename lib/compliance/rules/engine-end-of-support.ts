import { CfnResource } from 'aws-cdk-lib';
import { NagRuleCompliance, NagRuleResult } from 'cdk-nag';
import { postgresSupport, POSTGRES_END_OF_STANDARD_SUPPORT } from '../../../engines/common/engine-support';
import { RxdrRule, RxdrRuleContext } from './index';
import { resolvedProperties } from './template-values';

/**
 * No PostgreSQL instance runs a major version past its end of RDS standard support (table and source in
 * `engines/common/engine-support.ts`). The finding names the version and the date.
 */
export const engineEndOfStandardSupport: RxdrRule = {
  id: 'EngineEndOfStandardSupport',
  info: 'A PostgreSQL instance runs an engine version past its end of RDS standard support.',
  explanation:
    'Patching policy (HIPAA 164.308(a)(1)): past end of standard support RDS moves the instance to paid ' +
    'Extended Support with critical fixes only. Upgrade the major version. ' +
    `End dates: ${Object.entries(POSTGRES_END_OF_STANDARD_SUPPORT)
      .map(([major, date]) => `${major} → ${date}`)
      .join(', ')}.`,
  check(node: CfnResource, context: RxdrRuleContext): NagRuleResult {
    if (node.cfnResourceType !== 'AWS::RDS::DBInstance') return NagRuleCompliance.NOT_APPLICABLE;
    const props = resolvedProperties(node);
    const engine = props.Engine;
    const version = props.EngineVersion;
    if (typeof engine !== 'string' || !engine.startsWith('postgres') || typeof version !== 'string')
      return NagRuleCompliance.NOT_APPLICABLE;
    const support = postgresSupport(version, context.today);
    if (!support.pastEndOfSupport) return NagRuleCompliance.COMPLIANT;
    return [
      `PostgreSQL ${version} (major ${support.major}) reached end of standard support on ${support.endOfStandardSupport ?? 'a date before 2024-02-29'}`,
    ];
  },
};
