import type { DrillValidator } from '../../engines/drill/validator';
import { achievedRpoOf, evidenceCheckOf } from '../../engines/evidence/validation-check';
import { Manifest, validateDatabase } from '../../engines/validation';

/** The validation engine as the drill's `DrillValidator`: the same engine and manifest in AWS and locally. */
export function engineValidator(
  manifest: Manifest,
  options: { rpoTargetSeconds?: number; statementTimeoutMs?: number } = {},
): DrillValidator {
  return {
    validate: async ({ connection, recoveryPointTime }) => {
      const report = await validateDatabase({
        url: connection.url,
        manifest,
        recoveryPointTime,
        rpoTargetSeconds: options.rpoTargetSeconds,
        statementTimeoutMs: options.statementTimeoutMs,
      });
      return {
        passed: report.passed,
        achievedRpoSeconds: achievedRpoOf(report),
        checks: report.checks.map(evidenceCheckOf),
      };
    },
  };
}
