import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { RxdrChecks } from './rxdr-checks';

/** The rule packs every synth runs: three cdk-nag packs and our own backup rules. */
export function compliancePacks(scope: IConstruct): NagPack[] {
  return [
    new HIPAASecurityChecks(scope),
    new NIST80053R5Checks(scope),
    new AwsSolutionsChecks(scope),
    new RxdrChecks(scope),
  ];
}

/** Register the packs as validation plugins: any unacknowledged finding fails synth. */
export function addCompliancePacks(scope: IConstruct): void {
  Validations.of(scope).addPlugins(...compliancePacks(scope));
}
