import type { ValidationReport } from '../../engines/validation';

/**
 * A report without its times, for comparing two validations of the same copy (chunked against unchunked).
 * `fullReason` names the first few tables whose gate failed in the order their passes finished, which
 * concurrency makes vary from run to run: it is compared as the sorted set of what the reasons are about.
 */
export function comparableReport(report: ValidationReport) {
  return {
    passed: report.passed,
    achievedRpoSeconds: report.achievedRpoSeconds,
    checks: report.checks.map(({ durationMs: _ms, measured, ...rest }) => {
      const { fullReason, ...others } = measured;
      return {
        ...rest,
        measured: others,
        reasonsAbout:
          typeof fullReason === 'string'
            ? [...new Set(fullReason.split('; ').map((r) => r.split(': ')[1]))].sort()
            : null,
      };
    }),
  };
}
