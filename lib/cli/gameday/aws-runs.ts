import { DescribeAlarmHistoryCommand } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ListExecutionsCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { parseEvidence, type EvidenceDocument } from '../../../engines/evidence/schema';
import type { AlarmObservation, RunbookRunObservation, RunStatus } from '../../../engines/gameday/observations';
import { names } from '../../naming';
import { executionHistory, stateMachineArn, type AwsTarget, type CliClients } from '../aws';

/**
 * The people side of a game day's timeline: the failover and failback runs started since it began (who started
 * them is what the runbook gateway wrote into the input; who approved, what came back and when, is in their
 * evidence), with `drills` the restore drills a person started (`rxdr drill start` records the caller), and the
 * alarms that fired.
 */
export async function readRuns(
  target: AwsTarget,
  since: string,
  options: { drills?: boolean } = {},
): Promise<RunbookRunObservation[]> {
  const runs: RunbookRunObservation[] = [];
  for (const operation of ['failover', 'failback'] as const) {
    const machine =
      operation === 'failover' ? names.failoverStateMachine(target.env) : names.failbackStateMachine(target.env);
    const evidence = await runbookEvidence(target, `${operation}/${target.env.name}/`, since);
    let token: string | undefined;
    do {
      const page = await target.clients.sfn.send(
        new ListExecutionsCommand({ stateMachineArn: stateMachineArn(target, machine), nextToken: token }),
      );
      for (const item of page.executions ?? []) {
        if (!item.executionArn || !item.startDate || item.startDate.toISOString() < since) continue;
        const execution = await target.clients.sfn.send(
          new DescribeExecutionCommand({ executionArn: item.executionArn }),
        );
        const input = JSON.parse(execution.input ?? '{}') as Record<string, unknown>;
        const found = evidence.find((e) => e.doc.runId === item.name);
        runs.push(observeRun(operation, item, input, await executionHistory(target, item.executionArn), found));
      }
      token = page.nextToken;
    } while (token);
  }
  if (options.drills) runs.push(...(await readDrills(target, since)));
  return runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/**
 * Restore drills a person started since `since` (scheduled runs are not a person's response), one observation per
 * database the drill recorded evidence for: restored (`available`), verified (`validated`, when it passed) and
 * whether it restored the isolated copy because the recovery vault was declared lost.
 */
async function readDrills(target: AwsTarget, since: string): Promise<RunbookRunObservation[]> {
  const runs: RunbookRunObservation[] = [];
  const evidence = (await runbookEvidence(target, `${target.env.name}/`, since)).filter((e) => e.doc.kind === 'drill');
  let token: string | undefined;
  do {
    const page = await target.clients.sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: stateMachineArn(target, names.drillStateMachine(target.env)),
        nextToken: token,
      }),
    );
    for (const item of page.executions ?? []) {
      if (!item.executionArn || !item.startDate || item.startDate.toISOString() < since) continue;
      const execution = await target.clients.sfn.send(
        new DescribeExecutionCommand({ executionArn: item.executionArn }),
      );
      const input = JSON.parse(execution.input ?? '{}') as Record<string, unknown>;
      if (typeof input.startedBy !== 'string' || !input.startedBy.startsWith('arn:')) continue;
      const history = await executionHistory(target, item.executionArn);
      const docs = evidence.filter((e) => e.doc.runId.startsWith(`${item.name}-`));
      const base = observeRun('drill', item, input, history, undefined);
      if (docs.length === 0) runs.push(base);
      docs.forEach(({ doc, location }, index) => {
        runs.push({
          ...base,
          database: doc.database,
          // The execution's retries belong to it once, not to each database.
          retries: index === 0 ? base.retries : [],
          ...(doc.timestamps.available ? { availableAt: doc.timestamps.available } : {}),
          ...(doc.result === 'passed' && doc.timestamps.validated ? { verifiedAt: doc.timestamps.validated } : {}),
          ...(doc.achievedRpoSeconds !== undefined ? { achievedRpoSeconds: doc.achievedRpoSeconds } : {}),
          fromIsolatedCopy: doc.source?.details?.recoveryVaultDeclaredLost !== undefined,
          evidenceLocation: location,
          evidenceResult: doc.result,
        });
      });
    }
    token = page.nextToken;
  } while (token);
  return runs;
}

function observeRun(
  operation: RunbookRunObservation['operation'],
  item: { executionArn?: string; name?: string; status?: string; startDate?: Date; stopDate?: Date },
  input: Record<string, unknown>,
  history: readonly HistoryEvent[],
  evidence: { doc: EvidenceDocument; location: string } | undefined,
): RunbookRunObservation {
  const doc = evidence?.doc;
  const force = input.force as { reason?: unknown } | undefined;
  return {
    operation,
    executionArn: item.executionArn ?? '',
    name: item.name ?? '',
    ...(typeof input.database === 'string' ? { database: input.database } : {}),
    dryRun: input.dryRun === true,
    status: (item.status ?? 'RUNNING') as RunStatus,
    startedAt: (item.startDate ?? new Date(0)).toISOString(),
    ...(item.stopDate ? { stoppedAt: item.stopDate.toISOString() } : {}),
    ...(typeof input.startedBy === 'string' ? { startedBy: input.startedBy } : {}),
    ...(doc?.runbook?.approvedBy ? { approvedBy: doc.runbook.approvedBy } : {}),
    ...(doc?.runbook?.approvedAt ? { approvedAt: doc.runbook.approvedAt } : {}),
    ...(doc?.timestamps.available ? { availableAt: doc.timestamps.available } : {}),
    ...(doc?.achievedRpoSeconds !== undefined ? { achievedRpoSeconds: doc.achievedRpoSeconds } : {}),
    ...(typeof force?.reason === 'string' ? { forcedReason: force.reason } : {}),
    retries: retriedSteps(history),
    resumedSteps: (doc?.runbook?.steps ?? []).filter((s) => s.outcome === 'already-done').map((s) => s.name),
    ...(evidence ? { evidenceLocation: evidence.location, evidenceResult: evidence.doc.result } : {}),
  };
}

/** Task states whose task failed and was scheduled again within the same state (the state machine's Retry). */
export function retriedSteps(history: readonly HistoryEvent[]): { step: string; failures: number }[] {
  const retries = new Map<string, number>();
  let state: string | undefined;
  let failed = false;
  for (const event of history) {
    if (event.type === 'TaskStateEntered') {
      state = event.stateEnteredEventDetails?.name;
      failed = false;
    } else if (event.type === 'TaskFailed' || event.type === 'TaskTimedOut' || event.type === 'LambdaFunctionFailed') {
      failed = true;
    } else if ((event.type === 'TaskScheduled' || event.type === 'LambdaFunctionScheduled') && failed && state) {
      retries.set(state, (retries.get(state) ?? 0) + 1);
      failed = false;
    }
  }
  return [...retries].map(([step, failures]) => ({ step, failures }));
}

/**
 * The evidence written under `prefix` since the game day began: `failover/<env>/` and `failback/<env>/`, or the
 * drills' `<env>/` (one folder per database). Keys end in `<started>-<kind>-<run>.json`.
 */
async function runbookEvidence(
  target: AwsTarget,
  prefix: string,
  since: string,
): Promise<{ doc: EvidenceDocument; location: string }[]> {
  const bucket = names.evidenceBucket(target.env);
  const found: { doc: EvidenceDocument; location: string }[] = [];
  const stamp = since.replace(/[:.]/g, '-');
  let token: string | undefined;
  do {
    const page = await target.clients.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      const file = object.Key?.split('/').pop() ?? '';
      if (!object.Key || !file.endsWith('.json') || file < stamp) continue;
      const body = await target.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key }));
      found.push({
        doc: parseEvidence(JSON.parse((await body.Body?.transformToString()) ?? '')),
        location: `s3://${bucket}/${object.Key}`,
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return found;
}

/** Alarms of the environment (in `region`) that entered ALARM since `since`. */
export async function readAlarms(
  cloudwatch: CliClients['cloudwatch'],
  prefixes: readonly string[],
  since: string,
  now: Date,
): Promise<AlarmObservation[]> {
  const found: AlarmObservation[] = [];
  let token: string | undefined;
  do {
    const page = await cloudwatch.send(
      new DescribeAlarmHistoryCommand({
        HistoryItemType: 'StateUpdate',
        StartDate: new Date(since),
        EndDate: now,
        ScanBy: 'TimestampAscending',
        NextToken: token,
      }),
    );
    for (const item of page.AlarmHistoryItems ?? []) {
      if (!item.AlarmName || !item.Timestamp || !prefixes.some((p) => item.AlarmName?.startsWith(p))) continue;
      const data = JSON.parse(item.HistoryData ?? '{}') as { newState?: { stateValue?: string } };
      if (data.newState?.stateValue === 'ALARM') found.push({ name: item.AlarmName, at: item.Timestamp.toISOString() });
    }
    token = page.NextToken;
  } while (token);
  return found;
}

/** Alarm names of an environment start with its stack names (CDK) or `rxdr-<env>-` (named ones). */
export function alarmPrefixes(target: AwsTarget): string[] {
  return [names.primaryStack(target.env), names.recoveryStack(target.env), `rxdr-${target.env.name}-`];
}
