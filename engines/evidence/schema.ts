import { z } from 'zod';
import { GameDayRecord } from './gameday-record';

/**
 * The evidence document: one JSON file per restore drill or failover, local or AWS. Auditors read it
 * (HIPAA 164.308(a)(7)(ii)(D): restores are tested and each test leaves evidence), `rxdr report` renders it,
 * and alarms compare its achieved RTO/RPO with the tier targets.
 *
 * Compatibility rule: adding an optional field keeps `schemaVersion`; renaming, removing or changing the
 * meaning of a field bumps it, and readers keep parsing every older version they may find in the bucket.
 */
export const EVIDENCE_SCHEMA_VERSION = 1;

const isoTime = z.iso.datetime({ offset: true });
const seconds = z.number().nonnegative();

export const EvidenceKind = z.enum(['drill', 'failover', 'gameday']);
export type EvidenceKind = z.infer<typeof EvidenceKind>;

export const CheckStatus = z.enum(['passed', 'failed', 'skipped', 'error']);
export type CheckStatus = z.infer<typeof CheckStatus>;

/** One validation check as the validation engine reported it, kept verbatim enough to audit. */
export const EvidenceCheck = z.object({
  /** Stable id: the engine's check name (`row-counts`, `audit-chain`, `custom:<name>`) or a check the run adds itself (`drill.rto-target`). */
  id: z.string().min(1),
  /** `generic`, `pharmacy`, `custom`, or `drill` for checks the drill adds itself (RTO/RPO against targets). */
  category: z.string().min(1),
  status: CheckStatus,
  /** One line a person can act on: what was compared and what was found. */
  message: z.string(),
  durationMs: z.number().nonnegative().optional(),
  /** Machine-readable details (expected/actual values, offending keys); kept small. */
  details: z.record(z.string(), z.unknown()).optional(),
});
export type EvidenceCheck = z.infer<typeof EvidenceCheck>;

export const EvidenceTargets = z.object({
  /** Recovery time objective in seconds. */
  rtoSeconds: seconds,
  /** Recovery point objective in seconds. */
  rpoSeconds: seconds,
});
export type EvidenceTargets = z.infer<typeof EvidenceTargets>;

export const EvidenceSource = z.object({
  /** Recovery point ARN, automated-backup ARN, snapshot id, or (local) the base backup's label. */
  id: z.string().min(1),
  /** `snapshot`: restore of one recovery point; `point-in-time`: base + log replay; `replica`: a standby promoted. */
  kind: z.enum(['snapshot', 'point-in-time', 'replica']),
  /** The newest moment whose data the source should hold (recovery point creation time, PITR target, or the newest write acknowledged before the disaster). */
  recoveryPointTime: isoTime,
  /** Identifier of the protected database the source belongs to. */
  sourceDatabase: z.string().min(1),
  details: z.record(z.string(), z.string()).optional(),
});
export type EvidenceSource = z.infer<typeof EvidenceSource>;

/** What the drill restored into, or the standby a failover promoted. */
export const EvidenceTarget = z.object({
  identifier: z.string().min(1),
  engine: z.string(),
  engineVersion: z.string().optional(),
  /** `host:port`, never credentials. */
  endpoint: z.string().optional(),
  instanceClass: z.string().optional(),
  encrypted: z.boolean().optional(),
  kmsKeyId: z.string().optional(),
  publiclyAccessible: z.boolean().optional(),
  /** Subnet group / VPC (AWS) or `loopback` (local). */
  network: z.string().optional(),
  details: z.record(z.string(), z.string()).optional(),
});
export type EvidenceTarget = z.infer<typeof EvidenceTarget>;

export const EvidenceTimestamps = z.object({
  /** The run started (drill execution start, or the failover decision). */
  started: isoTime,
  /** Local runs and failovers: the moment the primary was lost. AWS drills have none (nothing failed). */
  disaster: isoTime.optional(),
  restoreStarted: isoTime.optional(),
  /** The restored or promoted database accepted connections. */
  available: isoTime.optional(),
  validated: isoTime.optional(),
  /** Cleanup confirmed (restored instance gone), or attempted and failed. */
  cleanedUp: isoTime.optional(),
  /** The document was written. */
  recorded: isoTime,
});
export type EvidenceTimestamps = z.infer<typeof EvidenceTimestamps>;

export const EvidenceCleanup = z.object({
  /** `deleted`: everything the run created is gone; `kept`: on request (`--keep`); `not-needed`: nothing was created. */
  status: z.enum(['deleted', 'kept', 'failed', 'not-needed']),
  message: z.string().optional(),
  /** What was removed (instance ids, local directories, process ids). */
  resources: z.array(z.string()).default([]),
});
export type EvidenceCleanup = z.infer<typeof EvidenceCleanup>;

/** One step of a failover or failback runbook, as the evidence records it. */
export const RunbookStep = z.object({
  name: z.string().min(1),
  startedAt: isoTime,
  endedAt: isoTime.optional(),
  durationSeconds: seconds.optional(),
  /** `done`: performed now; `already-done`: found done by an earlier run (resume) and not repeated. */
  outcome: z.enum(['done', 'already-done', 'skipped', 'failed']),
  detail: z.string().optional(),
});
export type RunbookStep = z.infer<typeof RunbookStep>;

/** What a failover or failback runbook adds to the evidence: the decision trail (H5, N3). */
export const RunbookRecord = z.object({
  operation: z.enum(['failover', 'failback']),
  strategy: z.string().min(1),
  /** Why the operator ran it. */
  reason: z.string().min(1),
  /** Present when the primary looked healthy and the operator forced the run. */
  forcedReason: z.string().optional(),
  dryRun: z.boolean().default(false),
  executionArn: z.string().min(1),
  approvedBy: z.string().optional(),
  approvedAt: isoTime.optional(),
  /** N3 (HIPAA NPRM): the moment the contingency plan was declared activated and the notice sent. */
  contingencyPlanActivatedAt: isoTime.optional(),
  /** `aborted` when an operator aborted or the approval timed out. */
  status: z.enum(['completed', 'failed', 'aborted']),
  steps: z.array(RunbookStep),
  /**
   * What now points at the recovered database: record, parameter and secret, with their new value; for clients that
   * connect through an Aurora Global Database's writer endpoint, that endpoint (`name`), which AWS moved to the new
   * writer (`value`: its cluster endpoint).
   */
  repointed: z
    .array(
      z.object({
        kind: z.enum([
          'route53-record',
          'ssm-parameter',
          'secret-host',
          'write-freeze',
          'endpoint-file',
          'global-writer-endpoint',
        ]),
        name: z.string(),
        value: z.string(),
      }),
    )
    .default([]),
});
export type RunbookRecord = z.infer<typeof RunbookRecord>;

export const EvidenceDocument = z.object({
  schemaVersion: z.literal(EVIDENCE_SCHEMA_VERSION),
  /** Unique per run: the Step Functions execution name, or `local-<time>-<random>`. */
  runId: z.string().min(1),
  kind: EvidenceKind,
  /** Environment name from config (`prod`, `staging`), or `local`. */
  environment: z.string().min(1),
  /** `aws` or `local`: which provider ran the steps. */
  provider: z.string().min(1),
  /** The protected database's logical name from config. */
  database: z.string().min(1),
  tier: z.number().int().min(1).max(3),
  /** The configured tier's name (`critical`, `important`, `deferrable` or a custom tier); `tier` is its 1-3 rank. */
  tierName: z.string().min(1).optional(),
  targets: EvidenceTargets,
  source: EvidenceSource.optional(),
  target: EvidenceTarget.optional(),
  timestamps: EvidenceTimestamps,
  /** Disaster (or restore start when there is none) → validated. Absent when the run never validated. */
  achievedRtoSeconds: seconds.optional(),
  /** Newest write the source should hold → newest write found in the recovered database. */
  achievedRpoSeconds: seconds.optional(),
  result: z.enum(['passed', 'failed']),
  /** Why the run failed, in one or more sentences a person can act on. Absent when it passed. */
  failureReason: z.string().optional(),
  /** The step the failure happened in (`pick-source`, `restore`, `validate`, `targets`, `cleanup`, …). */
  failedStep: z.string().optional(),
  checks: z.array(EvidenceCheck),
  cleanup: EvidenceCleanup,
  /** Who started the run: an IAM principal ARN, `schedule:<name>`, or `local:<os user>`. */
  startedBy: z.string().min(1),
  /** rxdr version that produced the document. */
  toolVersion: z.string().min(1),
  /** Free-form figures the run measured (phase durations, rows seeded, WAL segments replayed). */
  metrics: z.record(z.string(), z.number()).optional(),
  /** Failover and failback runs: steps, approvals, contingency-plan activation. */
  runbook: RunbookRecord.optional(),
  /** Game days: scenario, participants, timeline, interventions and lessons. */
  gameDay: GameDayRecord.optional(),
});
export type EvidenceDocument = z.infer<typeof EvidenceDocument>;
/** The document as producers build it (defaults not yet applied). */
export type EvidenceDocumentInput = z.input<typeof EvidenceDocument>;

/** Parse and check an evidence document; the error names every offending field. */
export function parseEvidence(value: unknown): EvidenceDocument {
  const parsed = EvidenceDocument.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(
      `not a valid rxdr evidence document (schemaVersion ${EVIDENCE_SCHEMA_VERSION}): ${issues.join('; ')}`,
    );
  }
  return parsed.data;
}

/**
 * The one evidence builder: stamps the current schema version on what a drill, failover or failback recorded and
 * checks the document (`parseEvidence`), so that no producer writes a version or a shape of its own.
 */
export function buildEvidence(fields: Omit<EvidenceDocumentInput, 'schemaVersion'>): EvidenceDocument {
  return parseEvidence({ schemaVersion: EVIDENCE_SCHEMA_VERSION, ...fields });
}

/** Object key / file name of a document: sortable by time, grouped by environment and database. */
export function evidenceKey(
  doc: Pick<EvidenceDocument, 'environment' | 'database' | 'kind' | 'runId' | 'timestamps'>,
): string {
  const stamp = doc.timestamps.started.replace(/[:.]/g, '-');
  return `${safe(doc.environment)}/${safe(doc.database)}/${stamp}-${doc.kind}-${safe(doc.runId)}.json`;
}

function safe(part: string): string {
  return part.replace(/[^A-Za-z0-9._-]/g, '_');
}
