import { secondsBetween } from '../common/clock';
import type { EvidenceDocument, RunbookRecord, RunbookStep } from '../evidence/schema';
import type { CatalogDatabase } from './catalog';
import type { StepDeps } from './clients';

/* What the failover and the failback evidence documents share: their identity and their step trail. */

/** What the evidence says about where a runbook ran, besides what its state holds. */
export interface RunbookEvidenceContext {
  readonly environment: string;
  /** `aws` or `local`. */
  readonly provider: string;
  readonly database: string;
  readonly tier: number;
  readonly toolVersion: string;
  readonly cleanup?: EvidenceDocument['cleanup'];
  readonly metrics?: Record<string, number>;
}

/** The context of a run in AWS: the catalog's environment and the database's entry. */
export function awsEvidenceContext(db: CatalogDatabase, deps: StepDeps): RunbookEvidenceContext {
  return {
    environment: deps.catalog.environment,
    provider: 'aws',
    database: db.name,
    tier: db.tier,
    toolVersion: deps.catalog.toolVersion,
  };
}

/** The fields every runbook evidence document starts with (a failback is recorded as kind `failover`). */
export function runbookEvidenceIdentity(executionName: string, context: RunbookEvidenceContext) {
  return {
    runId: executionName,
    kind: 'failover' as const,
    environment: context.environment,
    provider: context.provider,
    database: context.database,
    tier: context.tier,
  };
}

/** Collects the runbook's steps in order; a step that never started is left out. */
export class RunbookStepTrail {
  readonly steps: RunbookStep[] = [];

  add(
    name: string,
    startedAt: string | undefined,
    endedAt: string | undefined,
    outcome: RunbookStep['outcome'] = 'done',
    detail?: string,
  ): void {
    if (!startedAt) return;
    this.steps.push({
      name,
      startedAt,
      ...(endedAt ? { endedAt, durationSeconds: secondsBetween(startedAt, endedAt) } : {}),
      outcome,
      ...(detail ? { detail } : {}),
    });
  }
}

/** The repointed names and values as the evidence records them (without each change's outcome). */
export function repointedEntries(
  changes: readonly {
    readonly kind: RunbookRecord['repointed'][number]['kind'];
    readonly name: string;
    readonly value: string;
  }[],
): RunbookRecord['repointed'] {
  return changes.map((c) => ({ kind: c.kind, name: c.name, value: c.value }));
}
