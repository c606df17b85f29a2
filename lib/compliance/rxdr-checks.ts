import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagPackProps } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { RXDR_RULES } from './rules';

/**
 * Our own rules for what cdk-nag does not cover (backup plans, vaults, locks, cross-region copies). Each
 * rule lives in its own file in `rules/` as a pure function returning COMPLIANT / NON_COMPLIANT /
 * NOT_APPLICABLE, and is listed in `rules/index.ts`.
 */
export class RxdrChecks extends NagPack {
  readonly name = 'Rxdr';

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = 'Rxdr';
  }

  protected checkResource(node: CfnResource): void {
    for (const rule of RXDR_RULES) {
      this.applyRule({ ruleSuffixOverride: rule.id, info: rule.info, explanation: rule.explanation, level: rule.level ?? NagMessageLevel.ERROR, rule: rule.check, node });
    }
  }
}
