import { EVIDENCE_SCHEMA_VERSION, EvidenceDocument, parseEvidence } from '../../engines/evidence';
import { MILESTONES } from '../../engines/gameday/timeline';

/** Evidence for report tests: a passing and a failing drill of one database, a failover of another. */
/** One passing AWS drill of prod / dispensing (tier 1) started at `started`, with `overrides` applied. */
export function sampleRun(runId: string, started: string, overrides: Partial<EvidenceDocument>): EvidenceDocument {
  return parseEvidence({
    schemaVersion: EVIDENCE_SCHEMA_VERSION,
    runId,
    kind: 'drill',
    environment: 'prod',
    provider: 'aws',
    database: 'dispensing',
    tier: 1,
    targets: { rtoSeconds: 3600, rpoSeconds: 300 },
    source: {
      id: 'arn:aws:backup:us-west-2:123456789012:recovery-point:abc',
      kind: 'snapshot',
      recoveryPointTime: started,
      sourceDatabase: 'dispensing-prod',
    },
    target: {
      identifier: `rxdr-drill-${runId}`,
      engine: 'postgres',
      engineVersion: '17.4',
      endpoint: 'drill.internal:5432',
      encrypted: true,
      publiclyAccessible: false,
    },
    timestamps: {
      started,
      restoreStarted: started,
      available: started,
      validated: started,
      cleanedUp: started,
      recorded: started,
    },
    achievedRtoSeconds: 1500,
    achievedRpoSeconds: 120,
    result: 'passed',
    checks: [
      { id: 'row-counts', category: 'generic', status: 'passed', message: 'tables=12' },
      { id: 'audit-chain', category: 'pharmacy', status: 'passed', message: 'events=5000' },
    ],
    cleanup: { status: 'deleted', resources: [`rxdr-drill-${runId}`] },
    startedBy: 'schedule:monthly-drill',
    toolVersion: '0.1.0',
    ...overrides,
  });
}

export function sampleEvidence(): EvidenceDocument[] {
  const base = sampleRun;
  return [
    base('r1', '2026-08-01T06:00:00.000Z', {}),
    base('r2', '2026-09-01T06:00:00.000Z', { achievedRtoSeconds: 1900, achievedRpoSeconds: 200 }),
    base('r3', '2026-10-01T06:00:00.000Z', {
      achievedRtoSeconds: 2100,
      achievedRpoSeconds: 900,
      result: 'failed',
      failedStep: 'validate',
      failureReason: 'validation failed: fill-numbering (prescription 4711 has fills 0,1,3)',
      checks: [
        { id: 'row-counts', category: 'generic', status: 'passed', message: 'tables=12' },
        {
          id: 'fill-numbering',
          category: 'pharmacy',
          status: 'failed',
          message: 'prescription 4711 has fills 0,1,3: fill 2 is missing',
        },
        {
          id: 'drill.rpo-target',
          category: 'drill',
          status: 'failed',
          message: 'achieved RPO 900 s exceeds the target 300 s',
        },
      ],
    }),
    base('f1', '2026-10-15T12:00:00.000Z', {
      kind: 'failover',
      database: 'claims',
      provider: 'local',
      environment: 'local',
      achievedRtoSeconds: 4.2,
      achievedRpoSeconds: 0.3,
      targets: { rtoSeconds: 300, rpoSeconds: 2 },
    }),
  ];
}

/** The clock the coverage fixture is judged at: the grid's months are Dec 2025 … Nov 2026. */
export const COVERAGE_NOW = new Date('2026-11-20T12:00:00.000Z');

/** Measurements as the validation engine records them, for checks rendered as sentences. */
const MEASURED_CHECKS = [
  {
    id: 'row-counts',
    category: 'generic',
    status: 'passed' as const,
    message: 'tables=12, mismatched={}',
    details: { measured: { tables: 12, mismatched: {} }, offendingKeys: [] },
  },
  {
    id: 'epcs-signatures',
    category: 'pharmacy',
    status: 'passed' as const,
    message: 'epcsPrescriptions=1031, expected=1031, payloadHashMismatches=0, matchesManifest=true',
    details: {
      measured: { epcsPrescriptions: 1031, expected: 1031, payloadHashMismatches: 0, matchesManifest: true },
      offendingKeys: [],
    },
  },
];

/**
 * Evidence over 14 months (Sep 2025 … Nov 2026) judged at `COVERAGE_NOW`:
 * - prod / dispensing: a drill on the 1st of every month except July 2026 (a missing month); October's failed
 *   and a re-drill on the 3rd passed;
 * - prod / claims: drills on 1 Nov 06:00, 1 Nov 07:00 (an hour later) and 8 Nov 07:00 (a week later), and a
 *   failover on 12 Nov;
 * - staging / inventory: last drilled 1 Aug 2026, so overdue since 1 Sep.
 */
export function coverageEvidence(): EvidenceDocument[] {
  const drill = (database: string, started: string, overrides: Partial<EvidenceDocument> = {}) =>
    sampleRun(`${database}-${started.replace(/[:.]/g, '')}`, started, {
      database,
      checks: MEASURED_CHECKS,
      ...overrides,
    });
  const docs: EvidenceDocument[] = [];
  for (let month = 0; month < 15; month += 1) {
    const start = new Date(Date.UTC(2025, 8 + month, 1, 6, 0, 0));
    const iso = start.toISOString();
    if (iso.startsWith('2026-07')) continue;
    if (iso.startsWith('2026-10')) {
      docs.push(
        drill('dispensing', iso, {
          result: 'failed',
          failedStep: 'validate',
          failureReason: 'validation failed: fill-numbering (prescription 4711 has fills 0,1,3)',
        }),
        drill('dispensing', '2026-10-03T09:30:00.000Z'),
      );
      continue;
    }
    docs.push(drill('dispensing', iso));
  }
  docs.push(
    drill('claims', '2026-11-01T06:00:00.000Z', { achievedRtoSeconds: 1200 }),
    drill('claims', '2026-11-01T07:00:00.000Z', { achievedRtoSeconds: 1300 }),
    drill('claims', '2026-11-08T07:00:00.000Z', { achievedRtoSeconds: 1100 }),
    drill('claims', '2026-11-12T07:00:00.000Z', { kind: 'failover', achievedRtoSeconds: 400, achievedRpoSeconds: 3 }),
    drill('inventory', '2026-08-01T06:00:00.000Z', {
      environment: 'staging',
      tier: 2,
      tierName: 'important',
      targets: { rtoSeconds: 14_400, rpoSeconds: 3600 },
    }),
  );
  return docs;
}

const ENGINEER = 'arn:aws:sts::222222222222:assumed-role/rxdr-staging-operator/engineer-a';
const APPROVER = 'arn:aws:sts::222222222222:assumed-role/rxdr-staging-approver/approver-a';
const at = (start: string, seconds: number) => new Date(Date.parse(start) + seconds * 1000).toISOString();

/** Two game days: one that recovered in 20 min with a retry, one that took 70 min and never verified. */
export function gameDayEvidence(): EvidenceDocument[] {
  const gameDay = (runId: string, started: string, seconds: (number | undefined)[], result: 'passed' | 'failed') => {
    const ttr = seconds[5] ?? seconds[7]!;
    return sampleRun(runId, started, {
      kind: 'gameday',
      environment: 'staging',
      result,
      ...(result === 'failed'
        ? { failureReason: 'time to recover 4200 s exceeds the RTO target 3600 s', failedStep: 'scorecard' }
        : {}),
      achievedRtoSeconds: ttr,
      gameDay: {
        scenario: 'primary-region-unreachable',
        participants: [
          {
            person: ENGINEER,
            role: 'engineer',
            name: 'Example engineer A',
            verifiedBy: 'arn:aws:states:us-west-2:222222222222:execution:rxdr-staging-failover:f1',
          },
          {
            person: APPROVER,
            role: 'approver',
            name: 'Example approver',
            verifiedBy: 'arn:aws:states:us-west-2:222222222222:execution:rxdr-staging-failover:f1',
          },
        ],
        timeline: MILESTONES.map((name, i) =>
          seconds[i] === undefined ? { name } : { name, at: at(started, seconds[i]!), sinceFaultSeconds: seconds[i]! },
        ),
        timeToRecoverSeconds: ttr,
        interventions:
          runId === 'gd-1'
            ? [
                {
                  kind: 'retry',
                  execution: 'f1',
                  step: 'Promote',
                  detail: 'Promote failed 1 time(s) and was run again',
                },
              ]
            : [],
        baseline: { how: 'failback', verifiedAt: at(started, 7200), problems: [] },
        endedEarly: false,
        lessons: runId === 'gd-1' ? ['the alarm named the wrong runbook'] : ['approver was not reachable for 40 min'],
        runbookEvidence: [],
      },
    });
  };
  return [
    gameDay('gd-1', '2026-09-10T14:00:00.000Z', [0, 120, 300, 480, 900, 1200, 3000, 3600], 'passed'),
    gameDay('gd-2', '2026-11-05T14:00:00.000Z', [0, 300, 600, 3000, 3900, undefined, undefined, 4200], 'failed'),
  ];
}
