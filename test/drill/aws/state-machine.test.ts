import { Template } from 'aws-cdk-lib/assertions';
import { LocalStateMachine } from '../../helpers/local-state-machine';
import { databaseSpec, drillStack } from './drill-stack';
import { Fault } from './fake-aws';
import { DrillWorld } from './harness';
import { useThrowawayCaBundle } from '../../helpers/tls-postgres';

// The Validate function's environment as the construct sets it: the drill builds its verified TLS config first.
useThrowawayCaBundle();

const fleet = Array.from({ length: 50 }, (_, i) => databaseSpec(`db${String(i).padStart(2, '0')}`));
const single = LocalStateMachine.fromTemplate(Template.fromStack(drillStack().stack));
const many = LocalStateMachine.fromTemplate(
  Template.fromStack(drillStack({ databases: fleet, maxConcurrency: 5 }).stack),
);

function expectNoUntaggedMutation(world: DrillWorld): void {
  for (const m of world.aws.mutations) {
    expect(m.drillNamed).toBe(true);
    // AddTagsToResource is the claim of the drill's own restore job's instance; every other mutation needs the tag.
    if (m.command === 'DeleteDBInstance') expect(m).toMatchObject({ tagged: true });
  }
  expect(world.aws.mutations.some((m) => m.target.startsWith('pharmacy-'))).toBe(false);
}

function evidenceOf(world: DrillWorld, db = 'dispensing') {
  return world.aws.evidence.filter((e) => e.database === db) as {
    result: string;
    failureReason?: string;
    cleanup: { status: string; resources: string[] };
    achievedRtoSeconds?: number;
    tierName?: string;
    checks: { id: string; status: string }[];
  }[];
}

describe('drill state machine (synthesized), real handlers, fake AWS', () => {
  afterEach(() => jest.restoreAllMocks());

  test('happy path, one database: restores the newest recovery point, validates, deletes, records evidence, notifies', async () => {
    // The previous drill of this database took 45 min to restore and 10 min to delete: the first waits use that.
    const world = new DrillWorld({ concurrency: 5, history: { restoreSeconds: 2700, deletionSeconds: 600 } });
    try {
      const run = await single.run({ databases: ['dispensing'] }, { tasks: world.tasks() });
      expect(run.status).toBe('SUCCEEDED');
      expect(world.aws.created).toHaveLength(1);
      expect(world.aws.deleted).toEqual(world.aws.created);
      const [doc] = evidenceOf(world);
      expect(doc).toMatchObject({
        result: 'passed',
        tierName: 'critical',
        cleanup: { status: 'deleted', resources: world.aws.created },
      });
      expect(doc!.checks.map((c) => c.id)).toEqual(
        expect.arrayContaining([
          'restore.encrypted-with-recovery-key',
          'restore.not-public',
          'restore.drill-network',
          'row-counts',
          'audit-chain',
          'drill.rto-target',
          'drill.backup-validation-reported',
        ]),
      );
      expect(world.aws.validationResults).toEqual([
        expect.objectContaining({ RestoreJobId: 'job-1', ValidationStatus: 'SUCCESSFUL' }),
      ]);
      expect(world.aws.published).toHaveLength(1);
      expect(world.aws.published[0]!.Subject).toMatch(/PASSED: 1\/1/);
      expect(world.metrics[0]!.values).toMatchObject({ DrillPassed: { value: 1 }, AchievedRpoSeconds: { value: 120 } });
      expect(run.stateTransitions).toBeLessThanOrEqual(40);
      expectNoUntaggedMutation(world);
    } finally {
      world.aws.restore();
    }
  });

  test('malformed input is rejected before any AWS call', async () => {
    const world = new DrillWorld({ concurrency: 5 });
    try {
      const run = await single.run({ databases: ['nope'], selector: { kind: 'sometime' } }, { tasks: world.tasks() });
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('Rxdr.InvalidInput');
      expect(run.cause).toMatch(/selector/);
      expect(world.aws.calls).toEqual([]);
    } finally {
      world.aws.restore();
    }
  });

  test('a fleet of 50: every database drilled and cleaned up, never more than maxConcurrency at once', async () => {
    const world = new DrillWorld({ concurrency: 5 });
    try {
      const run = await many.run({}, { tasks: world.tasks() });
      expect(run.status).toBe('SUCCEEDED');
      expect(world.aws.created).toHaveLength(50);
      expect([...world.aws.deleted].sort()).toEqual([...world.aws.created].sort());
      expect(world.aws.evidence).toHaveLength(50);
      expect(world.maxActive).toBe(5);
      expectNoUntaggedMutation(world);
    } finally {
      world.aws.restore();
    }
  });

  describe('fault matrix', () => {
    const calls = [
      'ListRecoveryPointsByBackupVault',
      'StartRestoreJob',
      'DescribeDBInstances',
      'DescribeRestoreJob',
      'AddTagsToResource',
      'GetSecretValue',
      'DeleteDBInstance',
      'PutRestoreValidationResult',
      'PutObject',
      'Publish',
    ];
    const transient: [string, Fault][] = calls.flatMap((c) =>
      (['throttle', '5xx'] as Fault[]).map((f) => [c, f] as [string, Fault]),
    );

    test.each(transient)(
      '%s answering %s twice: retried, then the drill passes with one instance created and deleted',
      async (call, kind) => {
        const world = new DrillWorld({ concurrency: 5 });
        world.aws.inject(call, kind, 2);
        try {
          const run = await single.run({ databases: ['dispensing'] }, { tasks: world.tasks() });
          expect(run.status).toBe('SUCCEEDED');
          expect(world.aws.calls.filter((c) => c === call).length).toBeGreaterThanOrEqual(3);
          expect(world.aws.created).toHaveLength(1);
          expect(world.aws.deleted).toEqual(world.aws.created);
          expect(evidenceOf(world)).toHaveLength(1);
          expect(evidenceOf(world)[0]!.result).toBe('passed');
          expectNoUntaggedMutation(world);
        } finally {
          world.aws.restore();
        }
      },
    );

    const permanent: [string, Fault, RegExp, number][] = [
      ['ListRecoveryPointsByBackupVault', 'denied', /no restorable source.*not authorized/, 0],
      ['ListRecoveryPointsByBackupVault', 'notfound', /no restorable source.*not found/, 0],
      ['StartRestoreJob', 'denied', /could not start.*not authorized/, 0],
      ['StartRestoreJob', 'notfound', /could not start/, 0],
      ['StartRestoreJob', 'invalid', /could not start.*invalid state/, 0],
      ['GetSecretValue', 'denied', /validation could not run.*not authorized/, 1],
      ['GetSecretValue', 'notfound', /validation could not run/, 1],
      ['AddTagsToResource', 'denied', /not authorized to perform AddTagsToResource/, 1],
      ['DeleteDBInstance', 'denied', /cleanup failed.*not authorized/, 1],
      ['PutRestoreValidationResult', 'denied', /PutRestoreValidationResult .* failed/, 1],
      ['PutRestoreValidationResult', 'notfound', /PutRestoreValidationResult .* failed/, 1],
    ];

    test.each(permanent)(
      '%s answering %s: FAILED with a clear reason, cleanup exact, evidence recorded',
      async (call, kind, reason, instances) => {
        const world = new DrillWorld({ concurrency: 5 });
        world.aws.inject(call, kind, 100);
        try {
          const run = await single.run({ databases: ['dispensing'] }, { tasks: world.tasks() });
          expect(run.status).toBe('FAILED');
          expect(run.error).toBe('Rxdr.DrillFailed');
          expect(run.cause).toMatch(reason);
          expect(world.aws.created).toHaveLength(instances);
          const [doc] = evidenceOf(world);
          expect(doc!.result).toBe('failed');
          expect(doc!.failureReason).toMatch(reason);
          if (call === 'DeleteDBInstance' || call === 'AddTagsToResource') {
            // Untagged (the restore job's instance could not be claimed) or not deletable: never deleted here; the sweeper reports it.
            expect(world.aws.deleted).toEqual([]);
            expect(doc!.cleanup.status).toBe('failed');
          } else {
            expect(world.aws.deleted).toEqual(world.aws.created);
            expect(doc!.cleanup.status).toBe(instances ? 'deleted' : 'not-needed');
          }
          expectNoUntaggedMutation(world);
        } finally {
          world.aws.restore();
        }
      },
    );

    test('DeleteDBInstance answering invalid-state (instance busy): deletion is asked again until it succeeds', async () => {
      const world = new DrillWorld({ concurrency: 5 });
      world.aws.inject('DeleteDBInstance', 'invalid', 2);
      try {
        const run = await single.run({ databases: ['dispensing'] }, { tasks: world.tasks() });
        expect(run.status).toBe('SUCCEEDED');
        expect(world.aws.deleted).toEqual(world.aws.created);
        expectNoUntaggedMutation(world);
      } finally {
        world.aws.restore();
      }
    });

    test('PutObject (evidence) denied: FAILED, the reason names the evidence, the instance is still deleted', async () => {
      const world = new DrillWorld({ concurrency: 5 });
      world.aws.inject('PutObject', 'denied', 100);
      try {
        const run = await single.run({ databases: ['dispensing'] }, { tasks: world.tasks() });
        expect(run.status).toBe('FAILED');
        expect(run.cause).toMatch(/evidence for dispensing could not be written: AccessDeniedException/);
        expect(world.aws.deleted).toEqual(world.aws.created);
        expect(world.aws.published[0]!.Message).toMatch(/evidence for dispensing could not be written/);
      } finally {
        world.aws.restore();
      }
    });

    test('a restore that never becomes available: FAILED after the restore timeout, instance deleted, evidence says so', async () => {
      const world = new DrillWorld({ concurrency: 5, neverAvailable: true });
      try {
        const run = await single.run({ databases: ['dispensing'] }, { tasks: world.tasks() });
        expect(run.status).toBe('FAILED');
        expect(run.cause).toMatch(/was not available after 10800 s \(timeout 10800 s\); last status: creating/);
        expect(world.aws.deleted).toEqual(world.aws.created);
        expect(evidenceOf(world)[0]).toMatchObject({ result: 'failed', cleanup: { status: 'deleted' } });
        expectNoUntaggedMutation(world);
      } finally {
        world.aws.restore();
      }
    });
  });
});
