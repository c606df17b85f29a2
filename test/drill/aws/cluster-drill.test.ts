import { Template } from 'aws-cdk-lib/assertions';
import { failAfterWork, LocalStateMachine, type LocalExecutionResult } from '../../helpers/local-state-machine';
import { useThrowawayCaBundle } from '../../helpers/tls-postgres';
import { ACCOUNT, databaseSpec, drillStack } from './drill-stack';
import { DrillWorld } from './harness';

// The Validate function's environment as the construct sets it: the drill builds its verified TLS config first.
useThrowawayCaBundle();

/**
 * Aurora cluster drills through the synthesized drill state machine, its real task code over the fake AWS: AWS Backup
 * restores the cluster, CheckRestore adds the one instance, Validate reads through the cluster endpoint, cleanup
 * deletes the instance and then the cluster. The fleet mixes an RDS instance and a cluster.
 */
const cluster = databaseSpec('adjudication', {
  kind: 'cluster',
  tierName: 'critical',
  tier: 1,
  targets: { rtoSeconds: 3600, rpoSeconds: 300 },
  sourceArn: `arn:aws:rds:us-east-1:${ACCOUNT}:cluster:rxdr-prod-adjudication`,
});
const instance = databaseSpec('dispensing', {
  tierName: 'critical',
  tier: 1,
  targets: { rtoSeconds: 3600, rpoSeconds: 300 },
});
const machine = LocalStateMachine.fromTemplate(
  Template.fromStack(drillStack({ databases: [instance, cluster] }).stack),
);

/** A 30-minute cluster restore and 10 minutes for its instance: a passing drill stays well inside the 1 h RTO. */
const clusterWorld = () => new DrillWorld({ concurrency: 5, restoreSeconds: 1800 });

type Evidence = {
  database: string;
  result: string;
  failureReason?: string;
  target?: { identifier: string; engine: string; details?: Record<string, string> };
  cleanup: { status: string };
  checks: { id: string; status: string }[];
};
const evidenceOf = (world: DrillWorld, db: string) =>
  (world.aws.evidence as Evidence[]).filter((e) => e.database === db);

/** Everything the drill created is gone, and nothing it deleted or tagged was anyone else's. */
function expectNothingLeftAndNothingForeignTouched(world: DrillWorld): void {
  expect([...world.aws.deleted].sort()).toEqual([...world.aws.created].sort());
  expect(world.aws.clustersDeleted).toEqual(world.aws.clustersCreated);
  for (const m of world.aws.mutations) {
    expect(m.drillNamed).toBe(true);
    if (m.command === 'DeleteDBInstance' || m.command === 'DeleteDBCluster') expect(m).toMatchObject({ tagged: true });
  }
}

function outcome(world: DrillWorld, run: LocalExecutionResult) {
  return {
    status: run.status,
    error: run.error,
    evidence: (world.aws.evidence as Evidence[])
      .map((d) => ({ database: d.database, result: d.result, cleanup: d.cleanup.status }))
      .sort((a, b) => a.database.localeCompare(b.database)),
    instancesCreated: world.aws.created.length,
    clustersCreated: world.aws.clustersCreated.length,
    leftBehind: [
      ...world.aws.created.filter((id) => !world.aws.deleted.includes(id)),
      ...world.aws.clustersCreated.filter((id) => !world.aws.clustersDeleted.includes(id)),
    ],
  };
}

describe('cluster drill (synthesized state machine, real task code, fake AWS)', () => {
  afterEach(() => jest.restoreAllMocks());

  test('happy path, a fleet of an instance and a cluster: the cluster is restored, given one instance, validated, both deleted', async () => {
    const world = clusterWorld();
    try {
      const run = await machine.run({}, { tasks: world.tasks() });
      expect(run.status).toBe('SUCCEEDED');
      // The cluster's recovery points are looked up as Aurora ones, and restored as a cluster into the drill network.
      expect(world.aws.listedResourceTypes.sort()).toEqual(['Aurora', 'RDS']);
      const clusterJob = world.aws.restoreJobRequests.find((r) => r.ResourceType === 'Aurora');
      expect(clusterJob?.Metadata).toMatchObject({
        DBClusterIdentifier: expect.stringMatching(/^rxdr-drill-adjudication-[0-9a-f]{10}$/),
        Engine: 'aurora-postgresql',
        DBSubnetGroupName: 'drill-subnets',
        VpcSecurityGroupIds: '["sg-drill"]',
        DeletionProtection: 'false',
      });
      expect(world.aws.clustersCreated).toEqual([clusterJob!.Metadata.DBClusterIdentifier]);
      // One instance for the restored instance, one for the cluster (same identifier as its cluster).
      expect(world.aws.created).toHaveLength(2);
      expect(world.aws.created).toEqual(
        expect.arrayContaining([
          clusterJob!.Metadata.DBClusterIdentifier,
          expect.stringMatching(/^rxdr-drill-dispensing-/),
        ]),
      );
      const [doc] = evidenceOf(world, 'adjudication');
      expect(doc).toMatchObject({
        result: 'passed',
        cleanup: { status: 'deleted' },
        target: { engine: 'aurora-postgresql', details: { resource: 'aurora-cluster', members: '1' } },
      });
      expect(doc!.checks.filter((c) => c.id.startsWith('restore.'))).toEqual([
        expect.objectContaining({ id: 'restore.encrypted-with-recovery-key', status: 'passed' }),
        expect.objectContaining({ id: 'restore.not-public', status: 'passed' }),
        expect.objectContaining({ id: 'restore.drill-network', status: 'passed' }),
        expect.objectContaining({ id: 'restore.single-instance-deletable', status: 'passed' }),
      ]);
      expect(evidenceOf(world, 'dispensing')[0]).toMatchObject({ result: 'passed', target: { engine: 'postgres' } });
      // The cluster was claimed (AWS Backup cannot tag), its instance created with the tag.
      expect(world.aws.mutations.map((m) => m.command)).toEqual(
        expect.arrayContaining(['AddTagsToResource(cluster)', 'CreateDBInstance', 'DeleteDBCluster']),
      );
      expectNothingLeftAndNothingForeignTouched(world);
    } finally {
      world.aws.restore();
    }
  });

  test('failure path: the instance cannot be added (AccessDenied): FAILED with the reason, and the cluster is still deleted', async () => {
    const world = clusterWorld();
    world.aws.inject('CreateDBInstance', 'denied', 100);
    try {
      const run = await machine.run({ databases: ['adjudication'] }, { tasks: world.tasks() });
      expect(run.status).toBe('FAILED');
      expect(run.cause).toMatch(/not authorized to perform CreateDBInstance/);
      const [doc] = evidenceOf(world, 'adjudication');
      expect(doc).toMatchObject({ result: 'failed', cleanup: { status: 'deleted' } });
      expect(world.aws.clustersCreated).toHaveLength(1);
      expect(world.aws.created).toEqual([]);
      expectNothingLeftAndNothingForeignTouched(world);
    } finally {
      world.aws.restore();
    }
  });

  test('failure path: validation fails: FAILED, and the instance and then the cluster are deleted', async () => {
    const world = Object.assign(clusterWorld(), { validatorResult: { passed: false, rpo: 120 } });
    try {
      const run = await machine.run({ databases: ['adjudication'] }, { tasks: world.tasks() });
      expect(run.status).toBe('FAILED');
      expect(evidenceOf(world, 'adjudication')[0]).toMatchObject({ result: 'failed', cleanup: { status: 'deleted' } });
      const deletions = world.aws.mutations.filter((m) => m.command.startsWith('Delete')).map((m) => m.command);
      expect(deletions[0]).toBe('DeleteDBInstance');
      expect(deletions).toContain('DeleteDBCluster');
      expectNothingLeftAndNothingForeignTouched(world);
    } finally {
      world.aws.restore();
    }
  });

  test('every Task with a Retry, run again after it already succeeded, reaches the outcome of the undisturbed drill', async () => {
    const execute = async (aroundTask?: Parameters<typeof failAfterWork>[1]) => {
      const world = clusterWorld();
      try {
        const task = machine.retriedTasks.find((t) => t.stateName === aroundTask);
        const run = await machine.run(
          { databases: ['adjudication'] },
          { tasks: world.tasks(), ...(task ? { aroundTask: failAfterWork(task.stateName, task.retryableError) } : {}) },
        );
        return outcome(world, run);
      } finally {
        world.aws.restore();
      }
    };
    const baseline = await execute();
    expect(baseline).toMatchObject({ status: 'SUCCEEDED', instancesCreated: 1, clustersCreated: 1, leftBehind: [] });
    const steps = machine.retriedTasks.map((t) => t.stateName).filter((name) => !['Plan', 'Notify'].includes(name));
    expect(steps).toEqual(expect.arrayContaining(['StartRestore', 'CheckRestore', 'RequestCleanup', 'CheckCleanup']));
    for (const step of steps) expect({ step, ...(await execute(step)) }).toEqual({ step, ...baseline });
  });
});
