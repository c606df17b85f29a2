/** What a runbook's preflight (failover or failback, instance or cluster) checks, and what it decides from that. */

export interface PlanCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Records one check; a failed one blocks the run. */
export type CheckRecorder = (name: string, ok: boolean, detail: string) => void;

/** The checks a preflight has made so far and the blockers among them, with `check` to add one. */
export function planChecks(): { checks: PlanCheck[]; blockers: string[]; check: CheckRecorder } {
  const checks: PlanCheck[] = [];
  const blockers: string[] = [];
  const check: CheckRecorder = (name, ok, detail) => {
    checks.push({ name, ok, detail });
    if (!ok) blockers.push(`${name}: ${detail}`);
  };
  return { checks, blockers, check };
}

/** Blocked by any failed check; else a dry run stops after the plan; else a run refused (failover only) or go. */
export function planDecision(
  blockers: readonly string[],
  dryRun: boolean | undefined,
): 'blocked' | 'dry-run' | 'proceed';
export function planDecision(
  blockers: readonly string[],
  dryRun: boolean | undefined,
  refused: boolean,
): 'blocked' | 'dry-run' | 'refused' | 'proceed';
export function planDecision(
  blockers: readonly string[],
  dryRun: boolean | undefined,
  refused = false,
): 'blocked' | 'dry-run' | 'refused' | 'proceed' {
  return blockers.length > 0 ? 'blocked' : dryRun ? 'dry-run' : refused ? 'refused' : 'proceed';
}
