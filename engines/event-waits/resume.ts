import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { Clock } from '../common/clock';
import { instanceKey, putToken, takeToken, type TokenTable } from './token-table';

/**
 * An EventBridge event from RDS or AWS Backup resumes the task waiting on the resource it names. The event
 * only says "look now": the state machine's next step describes the resource itself, so an event that means
 * less than the wait hoped for costs one extra look, never a wrong decision.
 */
export interface ResumeDeps {
  readonly table: TokenTable;
  readonly sfn: SFNClient;
  readonly clock: Clock;
}

export type ResumeOutcome = 'resumed' | 'no-waiter' | 'late';

interface AwsEvent {
  readonly id?: string;
  readonly source?: string;
  readonly 'detail-type'?: string;
  readonly time?: string;
  readonly detail?: Record<string, unknown>;
}

/** Errors of SendTaskSuccess that mean the task is no longer waiting (it timed out, or ended another way). */
const NO_LONGER_WAITING = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/** RDS event source types whose identifier names what a wait is keyed on: a DB instance or an Aurora DB cluster. */
const RDS_SOURCE_TYPES = new Set(['DB_INSTANCE', 'CLUSTER']);

/**
 * The RDS identifiers an RDS instance or cluster event, or an AWS Backup restore job event, is about. A drill's
 * Aurora cluster and its one instance share one identifier, so the events of either resume its wait.
 */
export function instancesOf(event: AwsEvent): string[] {
  const detail = event.detail ?? {};
  if (
    event.source === 'aws.rds' &&
    RDS_SOURCE_TYPES.has(String(detail.SourceType)) &&
    typeof detail.SourceIdentifier === 'string'
  )
    return [detail.SourceIdentifier];
  if (event.source === 'aws.backup' && typeof detail.createdResourceArn === 'string') {
    const match = /:rds:[^:]+:\d{12}:(?:db|cluster):([a-zA-Z][a-zA-Z0-9-]*)$/.exec(detail.createdResourceArn);
    return match?.[1] ? [match[1]] : [];
  }
  return [];
}

export async function resumeWaiters(
  event: unknown,
  deps: ResumeDeps,
): Promise<{ instance: string; outcome: ResumeOutcome }[]> {
  const e = (typeof event === 'object' && event !== null ? event : {}) as AwsEvent;
  const output = JSON.stringify({
    resumedBy: { source: e.source ?? 'unknown', detailType: e['detail-type'] ?? 'unknown', eventId: e.id ?? '' },
  });
  const results: { instance: string; outcome: ResumeOutcome }[] = [];
  for (const instance of instancesOf(e)) {
    const key = instanceKey(instance);
    const token = await takeToken(deps.table, key);
    if (!token) {
      results.push({ instance, outcome: 'no-waiter' });
      continue;
    }
    try {
      await deps.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output }));
      results.push({ instance, outcome: 'resumed' });
    } catch (error) {
      if (error instanceof Error && NO_LONGER_WAITING.has(error.name)) {
        results.push({ instance, outcome: 'late' });
        continue;
      }
      // Give the token back so that EventBridge's retry of this invocation (or the task's timeout) resumes it.
      await putToken(deps.table, key, token, new Date(deps.clock.now().getTime() + 3600_000));
      throw error;
    }
  }
  return results;
}
