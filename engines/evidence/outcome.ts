import type { EvidenceCheck, EvidenceTargets } from './schema';

export interface OutcomeInput {
  readonly targets: EvidenceTargets;
  readonly achievedRtoSeconds?: number;
  readonly achievedRpoSeconds?: number;
  /** Validation engine's verdict and checks; absent when validation never ran. */
  readonly validation?: { readonly passed: boolean; readonly checks: readonly EvidenceCheck[] };
  /** A step failure that happened before or instead of validation. */
  readonly failure?: { readonly step: string; readonly reason: string };
}

export interface Outcome {
  readonly result: 'passed' | 'failed';
  readonly failureReason?: string;
  readonly failedStep?: string;
  /** The validation checks followed by the run's own target checks (`drill.rto-target`, `drill.rpo-target`). */
  readonly checks: EvidenceCheck[];
}

/**
 * The verdict of a drill or failover, shared by local and AWS runs: it passes only when validation passed
 * and the achieved RTO and RPO are within the tier targets. The reason names every problem, not just the first.
 */
export function decideOutcome(input: OutcomeInput): Outcome {
  const checks: EvidenceCheck[] = [...(input.validation?.checks ?? [])];
  const problems: string[] = [];
  let failedStep = input.failure?.step;
  if (input.failure) problems.push(input.failure.reason);

  if (input.validation) {
    const failed = input.validation.checks.filter((check) => check.status === 'failed' || check.status === 'error');
    if (!input.validation.passed || failed.length > 0) {
      failedStep ??= 'validate';
      problems.push(
        failed.length > 0
          ? `validation failed: ${failed.map((check) => `${check.id} (${check.message})`).join('; ')}`
          : 'validation failed (the validator reported failure without a failed check)',
      );
    }
    checks.push(targetCheck('drill.rto-target', 'RTO', input.achievedRtoSeconds, input.targets.rtoSeconds));
    checks.push(targetCheck('drill.rpo-target', 'RPO', input.achievedRpoSeconds, input.targets.rpoSeconds));
    const over = checks.filter((check) => check.category === 'drill' && check.status !== 'passed');
    if (over.length > 0) {
      failedStep ??= 'targets';
      problems.push(...over.map((check) => check.message));
    }
  }
  if (!input.validation && !input.failure) {
    problems.push('the run ended without validating the recovered database');
    failedStep ??= 'validate';
  }
  return problems.length === 0
    ? { result: 'passed', checks }
    : { result: 'failed', failureReason: problems.join(' | '), failedStep, checks };
}

function targetCheck(id: string, what: 'RTO' | 'RPO', achieved: number | undefined, target: number): EvidenceCheck {
  if (achieved === undefined) {
    return {
      id,
      category: 'drill',
      status: 'error',
      message: `achieved ${what} unknown: the validator did not report it (target ${target} s)`,
      details: { target },
    };
  }
  const ok = achieved <= target;
  const hint =
    what === 'RPO'
      ? ' — the recovered data is older than allowed: writes were lost (e.g. a gap in the WAL archive or replication lag)'
      : ' — recovery took longer than allowed';
  return {
    id,
    category: 'drill',
    status: ok ? 'passed' : 'failed',
    message: ok
      ? `achieved ${what} ${fmt(achieved)} s within the target ${fmt(target)} s`
      : `achieved ${what} ${fmt(achieved)} s exceeds the target ${fmt(target)} s${hint}`,
    details: { achieved, target },
  };
}

function fmt(value: number): string {
  return value.toFixed(value < 10 ? 2 : 1);
}
