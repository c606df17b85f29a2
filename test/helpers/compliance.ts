import { IConstruct } from 'constructs';
import { compliancePacks } from '../../lib/compliance/compliance-packs';

export interface Finding {
  readonly pack: string;
  readonly rule: string;
  readonly path: string;
  readonly description: string;
}

/** Every unacknowledged finding of every pack (cdk-nag's three and ours) under `scope`, as readable lines. */
export function complianceFindings(scope: IConstruct): Finding[] {
  return compliancePacks(scope).flatMap((pack) =>
    pack.validateScope(scope).violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => ({
        pack: pack.name,
        rule: violation.ruleName,
        path: resource.constructPath ?? '(unknown)',
        description: violation.description,
      })),
    ),
  );
}
