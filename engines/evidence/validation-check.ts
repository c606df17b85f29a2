import type { CheckResult } from '../validation/types';
import type { EvidenceCheck } from './schema';

/**
 * One check of a validation report as an evidence check: the one mapping the local drill, the AWS drill
 * and the failover share. The id is the engine's check name (`row-counts`, `audit-chain`,
 * `custom:<name>`), the category its suite.
 */
export function evidenceCheckOf(check: CheckResult): EvidenceCheck {
  const status = check.skipped ? 'skipped' : check.error ? 'error' : check.passed ? 'passed' : 'failed';
  const measured = Object.entries(check.measured)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(', ');
  const offending = check.offendingKeys.length > 0 ? `; offending: ${check.offendingKeys.slice(0, 5).join(', ')}` : '';
  const message =
    check.skipped ?? check.error ?? (measured.length > 300 ? `${measured.slice(0, 297)}...` : measured) + offending;
  return {
    id: check.name,
    category: check.suite,
    status,
    message: message || (check.passed ? 'passed' : 'failed'),
    durationMs: check.durationMs,
    details: { measured: check.measured, offendingKeys: check.offendingKeys },
  };
}

/**
 * The achieved RPO evidence records from a report's: data newer than the recovery point (a negative
 * measurement, which the engine's checks fail on their own) lost nothing, so it counts as 0.
 */
export function achievedRpoOf(report: { readonly achievedRpoSeconds?: number | null }): number | undefined {
  return typeof report.achievedRpoSeconds === 'number' ? Math.max(0, report.achievedRpoSeconds) : undefined;
}
