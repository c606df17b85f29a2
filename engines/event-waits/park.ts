import { z } from 'zod';
import type { Clock } from '../common/clock';
import { putToken, type TokenTable } from './token-table';

/**
 * The waiting task of a state machine (`.waitForTaskToken`) calls this with its token: the token is left under
 * the resource's key for {@link resumeWaiters}, and the task stays open until an event sends it back or its
 * timeout (the safety net: the state machine then looks once itself) ends it.
 */
export const parkEventSchema = z.strictObject({
  key: z.string().regex(/^rds-instance:[a-zA-Z][a-zA-Z0-9-]{0,62}$/, 'must be rds-instance:<DB instance identifier>'),
  taskToken: z.string().min(1).max(2048),
  /** The task's own timeout: the item outlives it by {@link KEEP_AFTER_TIMEOUT_SECONDS}, then expires. */
  timeoutSeconds: z.number().int().positive(),
});
export type ParkEvent = z.infer<typeof parkEventSchema>;

/** Time to live after the task's timeout: long enough for a late event to find (and ignore) the token. */
export const KEEP_AFTER_TIMEOUT_SECONDS = 3600;

export async function parkToken(event: unknown, deps: { table: TokenTable; clock: Clock }): Promise<{ key: string }> {
  const parsed = parkEventSchema.safeParse(event);
  if (!parsed.success) {
    const error = new Error(`park event rejected: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    error.name = 'Rxdr.InvalidEvent';
    throw error;
  }
  const { key, taskToken, timeoutSeconds } = parsed.data;
  const expiresAt = new Date(deps.clock.now().getTime() + (timeoutSeconds + KEEP_AFTER_TIMEOUT_SECONDS) * 1000);
  await putToken(deps.table, key, taskToken, expiresAt);
  return { key };
}
