import { evidenceCheckOf } from '../../engines/evidence/validation-check';
import type { EvidenceCheck } from '../../engines/evidence/schema';
import { CHECK_NAMES, type CheckResult, type CheckSuite, type ValidationReport } from '../../engines/validation';

/**
 * Stand-in validators build what they answer through the engine's own types, check list and evidence
 * mapping, so a fake can only emit check ids the real validation engine produces.
 */
export type EngineCheckName = string;

const SUITE_OF = new Map<string, CheckSuite>([
  ...CHECK_NAMES.generic.map((name) => [name, 'generic'] as const),
  ...CHECK_NAMES.pharmacy.map((name) => [name, 'pharmacy'] as const),
]);

/** Whether the validation engine can report a check with this id (its check list, or an adopter's `custom:` check). */
export function isEngineCheckId(id: string): boolean {
  return SUITE_OF.has(id) || /^custom:[A-Za-z0-9_.-]+$/.test(id);
}

/** One check result as the engine reports it; throws for a name the engine has no check of. */
export function engineCheck(name: EngineCheckName, passed: boolean): CheckResult {
  const suite = SUITE_OF.get(name);
  if (!suite)
    throw new Error(`the validation engine has no check named ${name} (it has ${[...SUITE_OF.keys()].join(', ')})`);
  return {
    name,
    suite,
    passed,
    measured: passed ? { matched: true } : { matched: false },
    offendingKeys: passed ? [] : ['fill:1-10'],
    durationMs: 10,
  };
}

/** A report as the engine builds it: every generic and pharmacy check, `failing` (default `row-counts`) failed when not passed. */
export function engineReport(options: {
  passed: boolean;
  achievedRpoSeconds?: number;
  failing?: EngineCheckName;
  startedAt: Date;
  finishedAt: Date;
}): ValidationReport {
  const failing = options.passed ? undefined : (options.failing ?? 'row-counts');
  return {
    passed: options.passed,
    startedAt: options.startedAt.toISOString(),
    finishedAt: options.finishedAt.toISOString(),
    durationMs: options.finishedAt.getTime() - options.startedAt.getTime(),
    recoveryPointTime: options.startedAt.toISOString(),
    manifestCutoff: options.startedAt.toISOString(),
    achievedRpoSeconds: options.achievedRpoSeconds ?? null,
    checks: [...SUITE_OF.keys()].map((name) => engineCheck(name, name !== failing)),
  };
}

/** The evidence checks the drill's validator makes of such a report (the real mapping). */
export function engineEvidenceChecks(options: { passed: boolean; failing?: EngineCheckName }): EvidenceCheck[] {
  const now = new Date(0);
  return engineReport({ ...options, startedAt: now, finishedAt: now }).checks.map(evidenceCheckOf);
}
