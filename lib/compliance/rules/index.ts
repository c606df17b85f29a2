import { CfnResource } from 'aws-cdk-lib';
import { NagRuleResult } from 'cdk-nag';

/** One of our compliance rules: a pure check over a synthesized resource (and its stack). */
export interface RxdrRule {
  /** Rule id suffix: findings read `Rxdr-<id>`. */
  readonly id: string;
  readonly info: string;
  readonly explanation: string;
  readonly check: (node: CfnResource) => NagRuleResult;
}

/** Every rule the Rxdr pack runs. Add a rule by adding its file and listing it here. */
export const RXDR_RULES: readonly RxdrRule[] = [];
