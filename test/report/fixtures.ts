import { EVIDENCE_SCHEMA_VERSION, EvidenceDocument, parseEvidence } from '../../engines/evidence';

/** Evidence for report tests: a passing and a failing drill of one database, a failover of another. */
export function sampleEvidence(): EvidenceDocument[] {
  const base = (runId: string, started: string, overrides: Partial<EvidenceDocument>): EvidenceDocument =>
    parseEvidence({
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
