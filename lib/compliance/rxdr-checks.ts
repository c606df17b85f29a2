import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagPackProps } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { complianceDay } from './compliance-day';
import { RXDR_RULES, RxdrRuleContext } from './rules';

export interface RxdrChecksProps extends NagPackProps {
  /** The day date-dependent rules judge by (YYYY-MM-DD, UTC). @default - complianceDay(): context rxdr:today, else today */
  readonly today?: string;
}

/**
 * Our own rules for what cdk-nag does not cover (backup plans, vaults, locks, cross-region copies). Each
 * rule lives in its own file in `rules/` as a pure function returning COMPLIANT / NON_COMPLIANT /
 * NOT_APPLICABLE, and is listed in `rules/index.ts`.
 */
export class RxdrChecks extends NagPack {
  readonly name = 'Rxdr';

  private readonly today?: string;

  constructor(scope?: IConstruct, props?: RxdrChecksProps) {
    super(scope, props);
    this.packName = 'Rxdr';
    this.today = props?.today;
  }

  protected checkResource(node: CfnResource): void {
    const context: RxdrRuleContext = { today: this.today ?? complianceDay(node) };
    for (const rule of RXDR_RULES) {
      const check = (resource: CfnResource) => rule.check(resource, context);
      this.applyRule({
        ruleSuffixOverride: rule.id,
        info: rule.info,
        explanation: rule.explanation,
        level: rule.level ?? NagMessageLevel.ERROR,
        rule: check,
        node,
      });
    }
  }
}
