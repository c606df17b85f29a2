import { DRILL_TAG } from '../../../engines/drill/aws/types';
import { criticalDispensing, drillMachine } from './drill-stack';
import { Fault } from './fake-aws';
import { DrillWorld } from './harness';
import { useThrowawayCaBundle } from '../../helpers/tls-postgres';

// The Validate function's environment as the construct sets it: the drill builds its verified TLS config first.
useThrowawayCaBundle();

/** The point-in-time path: replicated automated backups → RestoreDBInstanceToPointInTime (tagged at creation). */
const pitr = drillMachine({ databases: [criticalDispensing({ source: 'point-in-time' })] });

function expectOnlyTaggedMutations(world: DrillWorld): void {
  for (const m of world.aws.mutations) {
    expect(m.drillNamed).toBe(true);
    // Created with the drill tag in the same call, so every mutation (creation included) targets a tagged instance.
    expect(m).toMatchObject({ tagged: true });
  }
  expect(world.aws.mutations.some((m) => m.target.startsWith('pharmacy-'))).toBe(false);
}

function evidence(world: DrillWorld) {
  return world.aws.evidence.filter((e) => e.database === 'dispensing') as {
    result: string;
    failureReason?: string;
    cleanup: { status: string; resources: string[] };
  }[];
}

const world = (options: { neverAvailable?: boolean } = {}) =>
  new DrillWorld({ concurrency: 5, pointInTime: ['dispensing'], ...options });

describe('drill state machine (synthesized), point-in-time source', () => {
  test('happy path: restores the latest restorable time into the drill network, tagged at creation, no AWS Backup job', async () => {
    const w = world();
    try {
      const run = await pitr.run({ databases: ['dispensing'] }, { tasks: w.tasks() });
      expect(run.status).toBe('SUCCEEDED');
      expect(w.aws.created).toHaveLength(1);
      expect(w.aws.deleted).toEqual(w.aws.created);
      expect(w.aws.pointInTimeRequests[0]).toMatchObject({
        SourceDBInstanceAutomatedBackupsArn: 'arn:aws:rds:us-west-2:111111111111:auto-backup:ab-dispensing',
        UseLatestRestorableTime: true,
        DBSubnetGroupName: 'drill-subnets',
        PubliclyAccessible: false,
        MultiAZ: false,
        DeletionProtection: false,
        Tags: [{ Key: DRILL_TAG, Value: expect.stringContaining(':execution:') }],
      });
      expect(w.aws.calls).not.toContain('StartRestoreJob');
      expect(w.aws.validationResults).toEqual([]); // PutRestoreValidationResult is for AWS Backup restore jobs only
      expect(evidence(w)[0]).toMatchObject({
        result: 'passed',
        cleanup: { status: 'deleted', resources: w.aws.created },
      });
      expectOnlyTaggedMutations(w);
    } finally {
      w.aws.restore();
    }
  });

  test('an explicit point in time inside the window is restored to that time', async () => {
    const w = world();
    try {
      const run = await pitr.run(
        { databases: ['dispensing'], selector: { kind: 'point-in-time', time: '2026-10-20T12:00:00Z' } },
        { tasks: w.tasks() },
      );
      expect(run.status).toBe('SUCCEEDED');
      expect(w.aws.pointInTimeRequests[0]).toMatchObject({ RestoreTime: new Date('2026-10-20T12:00:00Z') });
      expect(w.aws.pointInTimeRequests[0]!.UseLatestRestorableTime).toBeUndefined();
    } finally {
      w.aws.restore();
    }
  });

  test('a point in time outside the restorable window: FAILED before anything is created', async () => {
    const w = world();
    try {
      const run = await pitr.run(
        { databases: ['dispensing'], selector: { kind: 'point-in-time', time: '2026-09-01T00:00:00Z' } },
        { tasks: w.tasks() },
      );
      expect(run.status).toBe('FAILED');
      expect(run.cause).toMatch(/outside the restorable window/);
      expect(w.aws.created).toEqual([]);
      expect(evidence(w)[0]).toMatchObject({ result: 'failed', cleanup: { status: 'not-needed' } });
    } finally {
      w.aws.restore();
    }
  });

  describe('fault matrix', () => {
    const calls = ['DescribeDBInstanceAutomatedBackups', 'RestoreDBInstanceToPointInTime'];
    const transient: [string, Fault][] = calls.flatMap((c) =>
      (['throttle', '5xx'] as Fault[]).map((f) => [c, f] as [string, Fault]),
    );

    test.each(transient)(
      '%s answering %s twice: retried, then the drill passes with one instance created and deleted',
      async (call, kind) => {
        const w = world();
        w.aws.inject(call, kind, 2);
        try {
          const run = await pitr.run({ databases: ['dispensing'] }, { tasks: w.tasks() });
          expect(run.status).toBe('SUCCEEDED');
          expect(w.aws.calls.filter((c) => c === call).length).toBeGreaterThanOrEqual(3);
          expect(w.aws.created).toHaveLength(1);
          expect(w.aws.deleted).toEqual(w.aws.created);
          expect(evidence(w)[0]!.result).toBe('passed');
          expectOnlyTaggedMutations(w);
        } finally {
          w.aws.restore();
        }
      },
    );

    const permanent: [string, Fault, RegExp][] = [
      ['DescribeDBInstanceAutomatedBackups', 'denied', /no restorable source.*not authorized/],
      ['DescribeDBInstanceAutomatedBackups', 'notfound', /no restorable source.*not found/],
      ['RestoreDBInstanceToPointInTime', 'denied', /could not start.*not authorized/],
      ['RestoreDBInstanceToPointInTime', 'notfound', /could not start/],
      ['RestoreDBInstanceToPointInTime', 'invalid', /could not start.*invalid state/],
    ];

    test.each(permanent)(
      '%s answering %s: FAILED with a clear reason, nothing created or left behind, evidence recorded',
      async (call, kind, reason) => {
        const w = world();
        w.aws.inject(call, kind, 100);
        try {
          const run = await pitr.run({ databases: ['dispensing'] }, { tasks: w.tasks() });
          expect(run.status).toBe('FAILED');
          expect(run.error).toBe('Rxdr.DrillFailed');
          expect(run.cause).toMatch(reason);
          expect(w.aws.created).toEqual([]);
          expect(w.aws.deleted).toEqual([]);
          expect(evidence(w)[0]).toMatchObject({
            result: 'failed',
            failureReason: expect.stringMatching(reason),
            cleanup: { status: 'not-needed' },
          });
          expectOnlyTaggedMutations(w);
        } finally {
          w.aws.restore();
        }
      },
    );

    test('no replicated automated backups of the source in the recovery region: FAILED, says to check replication', async () => {
      const w = new DrillWorld({ concurrency: 5, pointInTime: [] });
      try {
        const run = await pitr.run({ databases: ['dispensing'] }, { tasks: w.tasks() });
        expect(run.status).toBe('FAILED');
        expect(run.cause).toMatch(/no replicated automated backups of .*pharmacy-dispensing.*backup replication/);
        expect(w.aws.created).toEqual([]);
      } finally {
        w.aws.restore();
      }
    });

    test('a point-in-time restore that never becomes available: FAILED after the restore timeout, instance deleted, evidence says so', async () => {
      const w = world({ neverAvailable: true });
      try {
        const run = await pitr.run({ databases: ['dispensing'] }, { tasks: w.tasks() });
        expect(run.status).toBe('FAILED');
        expect(run.cause).toMatch(/was not available after 10800 s/);
        expect(w.aws.deleted).toEqual(w.aws.created);
        expect(evidence(w)[0]).toMatchObject({ result: 'failed', cleanup: { status: 'deleted' } });
        expectOnlyTaggedMutations(w);
      } finally {
        w.aws.restore();
      }
    });
  });
});
