/** Repointing as both runbooks do it: change every pointer, then poll Route 53 until the changes are in sync. */
import { z } from 'zod';
import { changeInSync, repointTargets, ROUTE53_POLL_SECONDS, type Endpoint, type RepointChange } from './aws-helpers';
import type { CatalogDatabase } from './catalog';
import type { StepDeps } from './clients';

/** One pointer changed by a repoint, as the runbooks' states carry it. */
export const RepointChangeSchema = z.object({
  kind: z.enum(['route53-record', 'ssm-parameter', 'secret-host', 'endpoint-file', 'global-writer-endpoint']),
  name: z.string(),
  value: z.string(),
  outcome: z.enum(['done', 'already-done', 'by-aws']),
  previous: z.string().optional(),
  changeId: z.string().optional(),
});

export interface RepointProgress {
  readonly startedAt: string;
  readonly endedAt: string;
  readonly changes: RepointChange[];
  readonly polls: number;
  readonly waitSeconds: number;
  readonly inSync: boolean;
  readonly inSyncAt?: string;
}

/** Point every configured client pointer of `db` at `endpoint`; `comment` names the run in Route 53. */
export async function startRepoint(
  deps: StepDeps,
  db: CatalogDatabase,
  endpoint: Endpoint,
  comment: string,
): Promise<RepointProgress> {
  const startedAt = deps.clock.now().toISOString();
  const changes = await repointTargets(deps.clients, db.repoint, endpoint, comment, deps.catalog.recoveryRegion);
  const pending = changes.some((c) => c.changeId);
  return {
    startedAt,
    endedAt: deps.clock.now().toISOString(),
    changes,
    polls: 0,
    waitSeconds: ROUTE53_POLL_SECONDS,
    inSync: !pending,
    ...(pending ? {} : { inSyncAt: deps.clock.now().toISOString() }),
  };
}

/** One poll: are the Route 53 changes propagated (GetChange INSYNC)? */
export async function pollRepoint<T extends RepointProgress>(current: T, deps: StepDeps): Promise<T> {
  const ids = current.changes.map((c) => c.changeId).filter((id): id is string => id !== undefined);
  const synced = (await Promise.all(ids.map((id) => changeInSync(deps.clients.route53, id)))).every(Boolean);
  const polls = current.polls + 1;
  return {
    ...current,
    polls,
    waitSeconds: ROUTE53_POLL_SECONDS,
    inSync: synced,
    ...(synced ? { inSyncAt: deps.clock.now().toISOString() } : {}),
  };
}
