import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagRuleResult } from 'cdk-nag';
import { backupSelectionWithinEnvironment } from './backup-selection-within-environment';
import { copyOutsideSourceRegion } from './copy-outside-source-region';
import { databasesSelectedWithCrossRegionCopy } from './databases-selected-with-cross-region-copy';
import { engineEndOfStandardSupport } from './engine-end-of-support';
import { lambdaRuntimeDeprecation, lambdaRuntimeDeprecationAhead } from './lambda-runtime-deprecation';
import { planRetentionMinimums } from './plan-retention-minimums';
import { prodVaultComplianceLock } from './prod-vault-compliance-lock';
import { vaultCmkEncrypted } from './vault-cmk-encrypted';

/** What a rule may know besides the resource: the day it judges by (YYYY-MM-DD, UTC; see compliance-day.ts). */
export interface RxdrRuleContext {
  readonly today: string;
}

/** One of our compliance rules: a pure check over a synthesized resource (and its stack). */
export interface RxdrRule {
  /** Rule id suffix: findings read `Rxdr-<id>`. */
  readonly id: string;
  readonly info: string;
  readonly explanation: string;
  readonly check: (node: CfnResource, context: RxdrRuleContext) => NagRuleResult;
  /** Default ERROR (fails synth); WARN reports without failing. */
  readonly level?: NagMessageLevel;
}

/** Every rule the Rxdr pack runs. Add a rule by adding its file and listing it here. */
export const RXDR_RULES: readonly RxdrRule[] = [
  vaultCmkEncrypted,
  prodVaultComplianceLock,
  copyOutsideSourceRegion,
  planRetentionMinimums,
  databasesSelectedWithCrossRegionCopy,
  engineEndOfStandardSupport,
  backupSelectionWithinEnvironment,
  lambdaRuntimeDeprecation,
  lambdaRuntimeDeprecationAhead,
];
