import { DeleteItemCommand, PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../../engines/common/clock';
import { parkToken, type ParkEvent } from '../../engines/event-waits/park';
import { resumeWaiters, type ResumeOutcome } from '../../engines/event-waits/resume';
import type { TokenTable } from '../../engines/event-waits/token-table';
import type { Json, LocalHandler } from './local-state-machine';
import { LocalTaskTokens } from './task-tokens';

/** Stated model of an event's way to its waiting task: EventBridge, the resume Lambda, SendTaskSuccess. */
export const EVENT_DELAY_SECONDS = 5;

/** A clock the simulation moves (the drill and failover fakes' virtual clocks). */
export interface MovableClock extends Clock {
  ms: number;
}

/** An AWS event as EventBridge delivers it, with the moment the service emitted it. */
export interface EmittedEvent {
  readonly at: number;
  readonly event: Record<string, unknown>;
}

export interface EventDelivery {
  /** Seconds from the service emitting an event to the resume function calling SendTaskSuccess. */
  readonly delaySeconds: number;
  /** Events never delivered (EventBridge is at-least-once only in the sense of retries; a rule can miss). */
  readonly lose?: (event: Record<string, unknown>) => boolean;
  /** Deliver the previous event again once the next wait has parked (a duplicate arriving late). */
  readonly lateDuplicates?: boolean;
}

/**
 * The event-driven waits of a synthesized state machine, run locally with the real park and resume code: the
 * token table is a map behind a DynamoDB client that answers PutItem/DeleteItem as DynamoDB does (ALL_OLD on
 * delete), SendTaskSuccess settles the waiting task ({@link LocalTaskTokens}), and the simulated AWS says
 * which events it emits when; time moves to each delivery, or to the task's timeout when none comes first.
 */
export class LocalEventWaits {
  readonly tokens = new LocalTaskTokens();
  readonly items = new Map<string, { token: string; expiresAt: number }>();
  readonly outcomes: ResumeOutcome[] = [];
  /** Waits that ended through their timeout (the safety net). */
  timeouts = 0;
  private readonly table: TokenTable;
  private lastDelivered?: Record<string, unknown>;

  constructor(private readonly delivery: EventDelivery) {
    const items = this.items;
    const dynamodb = {
      send: async (command: unknown) => {
        if (command instanceof PutItemCommand) {
          const item = command.input.Item!;
          items.set(item.key!.S!, { token: item.token!.S!, expiresAt: Number(item.expiresAt!.N) });
          return {};
        }
        if (command instanceof DeleteItemCommand) {
          const key = command.input.Key!.key!.S!;
          const old = items.get(key);
          items.delete(key);
          return old ? { Attributes: { key: { S: key }, token: { S: old.token } } } : {};
        }
        throw new Error('test: the token table expects PutItem and DeleteItem only');
      },
    } as unknown as DynamoDBClient;
    this.table = { dynamodb, tableName: 'wait-tokens' };
  }

  /** What the resume function does with one event. */
  async deliver(event: Record<string, unknown>, clock: Clock): Promise<void> {
    const results = await resumeWaiters(event, { table: this.table, sfn: this.tokens.client(), clock });
    this.outcomes.push(...results.map((r) => r.outcome));
  }

  /**
   * The handler of a `.waitForTaskToken` park task (`lambda:invoke` with `{ key, taskToken, timeoutSeconds }`):
   * parks a fresh token with the real code, then delivers the instance's next event after `delaySeconds`, or
   * times the task out if that would come later than its timeout.
   */
  waitHandler(world: {
    clockOf(instance: string): MovableClock;
    eventsOf(instance: string): EmittedEvent[];
  }): LocalHandler {
    return async (taskInput: Json, invocation) => {
      const payload = (taskInput as { Payload: ParkEvent }).Payload;
      const instance = payload.key.slice('rds-instance:'.length);
      const clock = world.clockOf(instance);
      const { token, result } = this.tokens.issue(invocation.stateName);
      await parkToken({ ...payload, taskToken: token }, { table: this.table, clock });
      await new Promise((resolve) => setImmediate(resolve)); // let the other Map iterations run
      if (this.delivery.lateDuplicates && this.lastDelivered) {
        const duplicate = this.lastDelivered;
        this.lastDelivered = undefined; // each event is duplicated once
        await this.deliver(duplicate, clock);
      }
      if (!this.tokens.isOpen(token)) return result;
      const now = clock.ms;
      const deadline = now + payload.timeoutSeconds * 1000;
      const delay = this.delivery.delaySeconds * 1000;
      const next = world
        .eventsOf(instance)
        .filter((e) => e.at + delay > now && !this.delivery.lose?.(e.event))
        .sort((a, b) => a.at - b.at)[0];
      if (next && next.at + delay <= deadline) {
        clock.ms = next.at + delay;
        this.lastDelivered = next.event;
        await this.deliver(next.event, clock);
      } else {
        clock.ms = deadline;
        this.timeouts += 1;
        this.tokens.timeOut(token);
      }
      return result;
    };
  }
}

/** An RDS DB instance event as EventBridge delivers it. */
export function rdsInstanceEvent(
  instance: string,
  category: string,
  message: string,
  at: number,
  region = 'us-west-2',
) {
  return rdsEvent('instance', instance, category, message, at, region);
}

/** An RDS DB cluster event as EventBridge delivers it. */
export function rdsClusterEvent(cluster: string, category: string, message: string, at: number, region = 'us-west-2') {
  return rdsEvent('cluster', cluster, category, message, at, region);
}

const RDS_EVENT_KINDS = {
  instance: { arnResource: 'db', detailType: 'RDS DB Instance Event', sourceType: 'DB_INSTANCE', idPrefix: 'event' },
  cluster: {
    arnResource: 'cluster',
    detailType: 'RDS DB Cluster Event',
    sourceType: 'CLUSTER',
    idPrefix: 'event-cluster',
  },
} as const;

function rdsEvent(
  kind: keyof typeof RDS_EVENT_KINDS,
  identifier: string,
  category: string,
  message: string,
  at: number,
  region: string,
) {
  const { arnResource, detailType, sourceType, idPrefix } = RDS_EVENT_KINDS[kind];
  const arn = `arn:aws:rds:${region}:111111111111:${arnResource}:${identifier}`;
  return {
    version: '0',
    id: `${idPrefix}-${identifier}-${category}-${at}`,
    'detail-type': detailType,
    source: 'aws.rds',
    account: '111111111111',
    time: new Date(at).toISOString(),
    region,
    resources: [arn],
    detail: {
      EventCategories: [category],
      SourceType: sourceType,
      SourceArn: arn,
      Date: new Date(at).toISOString(),
      Message: message,
      SourceIdentifier: identifier,
    },
  };
}

/** An AWS Backup restore job that completed, creating the RDS instance (or Aurora cluster) `instance`. */
export function backupRestoreCompletedEvent(
  instance: string,
  jobId: string,
  at: number,
  region = 'us-west-2',
  resource: 'db' | 'cluster' = 'db',
) {
  return {
    version: '0',
    id: `event-${jobId}-${at}`,
    'detail-type': 'Restore Job State Change',
    source: 'aws.backup',
    account: '111111111111',
    time: new Date(at).toISOString(),
    region,
    resources: [],
    detail: {
      restoreJobId: jobId,
      status: 'COMPLETED',
      resourceType: resource === 'cluster' ? 'Aurora' : 'RDS',
      createdResourceArn: `arn:aws:rds:${region}:111111111111:${resource}:${instance}`,
    },
  };
}
