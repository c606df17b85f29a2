import { GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeDBInstancesCommand, type DBInstance, type RDSClient } from '@aws-sdk/client-rds';
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  StopReplicationToReplicaCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { isThrottlingError } from '../common/aws-errors';
import { parameterValue } from '../common/ssm-parameter';
import { Errors, StepError, type RepointTargets } from './catalog';

export { parameterValue };

/** Throttling becomes `Rxdr.Throttled` (the state machine retries it with back-off); anything else passes through. */
export function asStepError(error: unknown): Error {
  if (isThrottlingError(error))
    return new StepError(Errors.throttled, `AWS throttled the call: ${(error as Error).message}`);
  return error instanceof Error ? error : new Error(String(error));
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What `describe` finds, or undefined when AWS answers with the error `notFound` (it does not exist). */
export async function unlessNotFound<T>(notFound: string, describe: () => Promise<T>): Promise<T | undefined> {
  try {
    return await describe();
  } catch (error) {
    if (error instanceof Error && error.name === notFound) return undefined;
    throw error;
  }
}

/** The instance, or undefined when it does not exist. */
export async function findInstance(rds: RDSClient, identifier: string): Promise<DBInstance | undefined> {
  return unlessNotFound('DBInstanceNotFoundFault', async () => {
    const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
    return out.DBInstances?.[0];
  });
}

/**
 * Newest value of an RDS metric of an instance (or, by `dimension`, a cluster) over the last 10 minutes
 * (e.g. `ReplicaLag`, seconds).
 */
/**
 * The first whole minute at or after `at`: CloudWatch rounds a `StartTime` down to its minute, so a query from `at`
 * itself would still return the one-minute datapoint that began before it.
 */
export function nextWholeMinute(at: Date): Date {
  return new Date(Math.ceil(at.getTime() / 60_000) * 60_000);
}

export async function latestMetric(
  cloudwatch: CloudWatchClient,
  metric: string,
  identifier: string,
  now: Date,
  dimension: 'DBInstanceIdentifier' | 'DBClusterIdentifier' = 'DBInstanceIdentifier',
  since?: Date,
): Promise<number | undefined> {
  const out = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: since ?? new Date(now.getTime() - 10 * 60_000),
      EndTime: now,
      ScanBy: 'TimestampDescending',
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/RDS',
              MetricName: metric,
              Dimensions: [{ Name: dimension, Value: identifier }],
            },
            Period: 60,
            Stat: 'Maximum',
          },
        },
      ],
    }),
  );
  return out.MetricDataResults?.[0]?.Values?.[0];
}

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface RepointChange {
  /**
   * `endpoint-file`: the pointer file clients read on one machine (local provider); `global-writer-endpoint`: an
   * Aurora Global Database's writer endpoint (`name`), which AWS moved to the new writer (`value`).
   */
  readonly kind: 'route53-record' | 'ssm-parameter' | 'secret-host' | 'endpoint-file' | 'global-writer-endpoint';
  readonly name: string;
  readonly value: string;
  /** `done`: changed now; `already-done`: it already held the value (a resumed run); `by-aws`: AWS moved it. */
  readonly outcome: 'done' | 'already-done' | 'by-aws';
  readonly previous?: string;
  readonly changeId?: string;
}

/**
 * Point clients at `endpoint`: the CNAME, the parameter and the secret's `host` (and nothing else in the
 * secret). Each target is read first and left alone when it already holds the value, so a resumed run
 * changes nothing twice. A replica secret is promoted to a standalone one first (replicas are read-only).
 */
export async function repointTargets(
  clients: { route53: Route53Client; ssm: SSMClient; secrets: SecretsManagerClient },
  targets: RepointTargets,
  endpoint: Endpoint,
  comment: string,
  region: string,
): Promise<RepointChange[]> {
  const jobs: Promise<RepointChange>[] = [];
  const { route53 } = targets;
  if (route53) {
    jobs.push(
      (async () => {
        const name = route53.recordName.endsWith('.') ? route53.recordName : `${route53.recordName}.`;
        const current = await route53Value(clients.route53, route53.hostedZoneId, name);
        if (current === endpoint.host)
          return { kind: 'route53-record', name, value: endpoint.host, outcome: 'already-done', previous: current };
        const out = await clients.route53.send(
          new ChangeResourceRecordSetsCommand({
            HostedZoneId: route53.hostedZoneId,
            ChangeBatch: {
              Comment: comment,
              Changes: [
                {
                  Action: 'UPSERT',
                  ResourceRecordSet: {
                    Name: name,
                    Type: 'CNAME',
                    TTL: route53.ttl,
                    ResourceRecords: [{ Value: endpoint.host }],
                  },
                },
              ],
            },
          }),
        );
        return {
          kind: 'route53-record',
          name,
          value: endpoint.host,
          outcome: 'done',
          ...(current ? { previous: current } : {}),
          ...(out.ChangeInfo?.Id ? { changeId: out.ChangeInfo.Id } : {}),
        };
      })(),
    );
  }
  const { parameterName } = targets;
  if (parameterName) {
    jobs.push(
      (async () => {
        const current = await parameterValue(clients.ssm, parameterName);
        if (current === endpoint.host)
          return {
            kind: 'ssm-parameter',
            name: parameterName,
            value: endpoint.host,
            outcome: 'already-done',
            previous: current,
          };
        await clients.ssm.send(
          new PutParameterCommand({ Name: parameterName, Value: endpoint.host, Type: 'String', Overwrite: true }),
        );
        return {
          kind: 'ssm-parameter',
          name: parameterName,
          value: endpoint.host,
          outcome: 'done',
          ...(current ? { previous: current } : {}),
        };
      })(),
    );
  }
  jobs.push(
    (async () => {
      const secretId = targets.secretArn;
      const described = await clients.secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
      const current = await secretJson(clients.secrets, secretId);
      if (current.host === endpoint.host)
        return {
          kind: 'secret-host',
          name: secretId,
          value: endpoint.host,
          outcome: 'already-done',
          previous: String(current.host),
        };
      if (described.PrimaryRegion && described.PrimaryRegion !== region) {
        await clients.secrets.send(new StopReplicationToReplicaCommand({ SecretId: secretId }));
      }
      await clients.secrets.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          SecretString: JSON.stringify({ ...current, host: endpoint.host }),
        }),
      );
      return {
        kind: 'secret-host',
        name: secretId,
        value: endpoint.host,
        outcome: 'done',
        ...(typeof current.host === 'string' ? { previous: current.host } : {}),
      };
    })(),
  );
  return Promise.all(jobs);
}

export async function route53Value(route53: Route53Client, zoneId: string, name: string): Promise<string | undefined> {
  const fqdn = name.endsWith('.') ? name : `${name}.`;
  const out = await route53.send(
    new ListResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      StartRecordName: fqdn,
      StartRecordType: 'CNAME',
      MaxItems: 1,
    }),
  );
  const record = out.ResourceRecordSets?.find((r) => r.Name === fqdn && r.Type === 'CNAME');
  return record?.ResourceRecords?.[0]?.Value;
}

export async function secretJson(secrets: SecretsManagerClient, secretId: string): Promise<Record<string, unknown>> {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  try {
    const parsed: unknown = JSON.parse(out.SecretString ?? '');
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new StepError(
    Errors.stepFailed,
    `secret ${secretId} does not hold a JSON object (an RDS credentials secret has host, port, username, password)`,
  );
}

/** Whether a Route 53 change has propagated to every authoritative server. */
export async function changeInSync(route53: Route53Client, changeId: string): Promise<boolean> {
  const out = await route53.send(new GetChangeCommand({ Id: changeId }));
  return out.ChangeInfo?.Status === 'INSYNC';
}

/** Poll intervals: 5 s, ×1.5, at most 15 s, so completion is noticed within 15 s at a few transitions a minute. */
export const POLL = { initialSeconds: 5, factor: 1.5, maxSeconds: 15 } as const;

/**
 * An RDS wait (recovery, failback replica, promotion) ends with the instance's RDS or AWS Backup event; this
 * is its task timeout, the safety net when no event comes (lost, or sent before the instance reads
 * `available`): the state machine then looks once itself. A lost event costs at most this much time.
 */
export const EVENT_WAIT_SAFETY_NET_SECONDS = 60;

/**
 * Route 53 emits no event when a change is INSYNC, so the repoint keeps polling GetChange, every 5 s: a
 * change is found in sync at most 5 s late, and 20 runbooks at once stay under Route 53's 5 requests a
 * second per account.
 */
export const ROUTE53_POLL_SECONDS = 5;

/**
 * A wait no event can end (detaching an Aurora secondary: RDS documents no cluster event for it) looks every 5 s,
 * as the DNS poll does: noticed at most 5 s late, about a dozen looks a minute for the few minutes it takes.
 */
export const NO_EVENT_POLL_SECONDS = 5;

export function nextWaitSeconds(polls: number): number {
  return Math.min(POLL.maxSeconds, Math.round(POLL.initialSeconds * POLL.factor ** polls));
}
