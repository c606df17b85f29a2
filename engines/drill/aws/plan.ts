import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parseEvidence } from '../../evidence/schema';
import { secondsBetween } from '../../common/clock';
import { measuredThroughput } from '../../validation/chunks/predict';
import type { DrillInput } from '../steps';
import { planDrillFit, type MeasuredHistory, type PlannedFit } from './fit';
import { firstDrillSize, type ReadAllocatedStorage } from './first-drill-size';
import { DrillItemInput, executionInputSchema, Fleet, InvalidEventError, parseEvent, planEventSchema } from './types';

export interface PlannedRun {
  readonly runId: string;
  readonly environment: string;
  readonly startedBy: string;
  readonly drills: DrillItemInput[];
}

export interface Expectation extends MeasuredHistory {
  readonly deletionSeconds?: number;
  readonly fit?: PlannedFit;
  /** Why the drill was not predicted (`prediction skipped: …`): no size was measured, configured or readable. */
  readonly predictionSkipped?: string;
}

export interface PlanDeps {
  /** Durations of the database's previous successful drill (the first poll waits most of it). */
  readonly history?: (environment: string, database: string) => Promise<Expectation>;
  /** The source instance's allocated storage, for a first drill without a configured size. */
  readonly allocatedStorage?: ReadAllocatedStorage;
}

/**
 * Plan: check the execution input and expand it into one drill per selected database. Rejects (`Rxdr.InvalidEvent`)
 * before any AWS call: unknown databases or tiers, a recovery point ARN for more than one database, an empty selection.
 */
export async function planTask(event: unknown, deps: PlanDeps = {}): Promise<PlannedRun> {
  const { request, execution, fleet } = parseEvent(planEventSchema, event, 'plan event');
  const input = parseEvent(executionInputSchema, request ?? {}, 'drill execution input');
  const selected = select(fleet, input.databases, input.tiers);
  if (input.selector.kind === 'recovery-point' && selected.length !== 1) {
    throw invalid(
      `a recovery-point selector names one recovery point: select exactly one database, got ${selected.length}`,
    );
  }
  const startedBy = input.startedBy ?? `unknown (see CloudTrail StartExecution of ${execution.id})`;
  const drills: DrillItemInput[] = [];
  for (const database of selected) {
    const drillInput: DrillInput = {
      drillId: `${execution.name}-${database.name}`,
      environment: fleet.environment,
      database: database.name,
      tier: database.tier,
      targets: database.targets,
      selector: input.selector,
      startedBy,
      toolVersion: fleet.toolVersion,
      restoreTimeoutSeconds: fleet.restoreTimeoutSeconds,
      deletionTimeoutSeconds: fleet.deletionTimeoutSeconds,
      poll: fleet.poll,
    };
    let expect: Expectation = {};
    try {
      expect = (await deps.history?.(fleet.environment, database.name)) ?? {};
    } catch {
      // History only tunes the first poll and the fit; without it the drill polls with plain backoff.
    }
    const first = await firstDrillSize(database, expect, deps.allocatedStorage);
    const fit = planDrillFit(database, expect, first.size);
    if (fit) expect = { ...expect, fit };
    else if (first.skipped) expect = { ...expect, predictionSkipped: first.skipped };
    drills.push({
      drill: { input: drillInput } as unknown as DrillItemInput['drill'],
      database,
      run: { executionId: execution.id, executionName: execution.name },
      expect,
      wait: { seconds: 0 },
    });
  }
  return { runId: execution.name, environment: fleet.environment, startedBy, drills };
}

function select(fleet: Fleet, databases: 'all' | string[], tiers: string[] | undefined) {
  const problems: string[] = [];
  const known = fleet.databases.map((d) => d.name);
  if (databases !== 'all') {
    const unknown = databases.filter((name) => !known.includes(name));
    if (unknown.length > 0)
      problems.push(
        `unknown database${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; configured: ${known.join(', ')}`,
      );
  }
  const knownTiers = [...new Set(fleet.databases.map((d) => d.tierName))];
  const unknownTiers = (tiers ?? []).filter((tier) => !knownTiers.includes(tier));
  if (unknownTiers.length > 0)
    problems.push(`no database has tier ${unknownTiers.join(', ')}; tiers in use: ${knownTiers.join(', ')}`);
  if (problems.length > 0) throw invalid(problems.join('; '));
  const selected = fleet.databases.filter(
    (d) => (databases === 'all' || databases.includes(d.name)) && (!tiers || tiers.includes(d.tierName)),
  );
  if (selected.length === 0) throw invalid('the selection matches no database');
  return selected;
}

function invalid(message: string): InvalidEventError {
  return new InvalidEventError('drill execution input', [{ code: 'custom', path: [], message, input: undefined }]);
}

/** The previous passed drill of a database, from the evidence bucket (keys sort by start time). */
export function evidenceHistory(s3: S3Client, bucket: string): NonNullable<PlanDeps['history']> {
  return async (environment, database) => {
    const prefix = `${environment}/${database}/`;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      keys.push(...(page.Contents ?? []).map((o) => o.Key ?? '').filter((k) => k.includes('-drill-')));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    for (const key of keys.sort().reverse().slice(0, 3)) {
      const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const doc = parseEvidence(JSON.parse((await body.Body?.transformToString()) ?? ''));
      const t = doc.timestamps;
      if (
        doc.provider !== 'aws' ||
        doc.result !== 'passed' ||
        !t.restoreStarted ||
        !t.available ||
        !t.validated ||
        !t.cleanedUp
      )
        continue;
      return {
        restoreSeconds: secondsBetween(t.restoreStarted, t.available),
        deletionSeconds: secondsBetween(t.validated, t.cleanedUp),
        ...measuredValidation(doc.checks, secondsBetween(t.available, t.validated)),
      };
    }
    return {};
  };
}

/** Size and per-connection throughput of a chunked validation, from its `validation-chunks` check. */
function measuredValidation(
  checks: readonly { id: string; details?: Record<string, unknown> }[],
  validationSeconds: number,
): Pick<MeasuredHistory, 'databaseBytes' | 'validationBytesPerSecond'> {
  const details = checks.find((c) => c.id === 'validation-chunks')?.details;
  const bytes = Number(details?.bytes);
  const parallel = Number(details?.parallel);
  if (!(bytes > 0)) return {};
  if (!(parallel > 0) || !(validationSeconds > 0)) return { databaseBytes: bytes };
  return { databaseBytes: bytes, validationBytesPerSecond: measuredThroughput(bytes, validationSeconds, parallel) };
}
