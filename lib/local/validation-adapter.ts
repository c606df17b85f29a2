import type { DrillValidator } from '../../lambda/drill/validator';
import type { EvidenceCheck } from '../../lambda/evidence/schema';
import { CheckResult, Manifest, validateDatabase } from '../../lambda/validation';

/** The validation engine as the drill's `DrillValidator`: the same engine and manifest in AWS and locally. */
export function engineValidator(manifest: Manifest, options: { rpoTargetSeconds?: number; statementTimeoutMs?: number } = {}): DrillValidator {
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
        achievedRpoSeconds: report.achievedRpoSeconds ?? undefined,
        checks: report.checks.map(toEvidenceCheck),
      };
    },
  };
}

export function toEvidenceCheck(check: CheckResult): EvidenceCheck {
  const status = check.error ? 'error' : check.passed ? 'passed' : 'failed';
  const measured = Object.entries(check.measured)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(', ');
  const offending = check.offendingKeys.length > 0 ? `; offending: ${check.offendingKeys.slice(0, 5).join(', ')}` : '';
  const message = check.error ?? (measured.length > 300 ? `${measured.slice(0, 297)}...` : measured) + offending;
  return {
    id: check.name,
    category: check.suite,
    status,
    message: message || (check.passed ? 'passed' : 'failed'),
    durationMs: check.durationMs,
    details: { measured: check.measured, offendingKeys: check.offendingKeys },
  };
}
