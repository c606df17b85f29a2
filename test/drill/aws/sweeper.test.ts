import {
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { sweepTask } from '../../../engines/drill/aws/sweeper';

const rds = mockClient(RDSClient);
const sfn = mockClient(SFNClient);
const now = new Date('2026-11-02T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
const exec = 'arn:aws:states:us-west-2:111111111111:execution:rxdr-test-drill:run-1';

function deps() {
  const reports: string[] = [];
  const metrics: Record<string, number> = {};
  return {
    reports,
    metrics,
    deps: {
      rds: new RDSClient({}),
      sfn: new SFNClient({}),
      clock: { now: () => now, sleep: async () => undefined },
      stateMachineArn: 'arn:aws:states:us-west-2:111111111111:stateMachine:rxdr-test-drill',
      maxAgeSeconds: 7 * 3600,
      report: async (subject: string, message: string) => void reports.push(`${subject}\n${message}`),
      metric: (name: string, value: number) => void (metrics[name] = value),
    },
  };
}

describe('orphan sweeper', () => {
  beforeEach(() => {
    rds.reset();
    sfn.reset();
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: 'rxdr-drill-old-1',
          DBInstanceStatus: 'available',
          InstanceCreateTime: hoursAgo(9),
          TagList: [{ Key: 'rxdr:drill', Value: exec }],
        },
        {
          DBInstanceIdentifier: 'rxdr-drill-young-2',
          DBInstanceStatus: 'available',
          InstanceCreateTime: hoursAgo(1),
          TagList: [{ Key: 'rxdr:drill', Value: 'arn:…:run-2' }],
        },
        {
          DBInstanceIdentifier: 'pharmacy-dispensing',
          DBInstanceStatus: 'available',
          InstanceCreateTime: hoursAgo(9000),
          TagList: [],
        },
        {
          DBInstanceIdentifier: 'rxdr-drill-untagged-3',
          DBInstanceStatus: 'available',
          InstanceCreateTime: hoursAgo(50),
          TagList: [],
        },
        {
          DBInstanceIdentifier: 'rxdr-drill-going-4',
          DBInstanceStatus: 'deleting',
          InstanceCreateTime: hoursAgo(50),
          TagList: [{ Key: 'rxdr:drill', Value: exec }],
        },
      ],
    });
    rds.on(DeleteDBInstanceCommand).resolves({});
    rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [] });
    sfn.on(ListExecutionsCommand).resolves({
      executions: [
        { executionArn: exec, stateMachineArn: 'x', name: 'run-1', status: 'SUCCEEDED', startDate: hoursAgo(48) },
      ],
    });
  });

  test('scheduled sweep deletes only drill-tagged instances older than the longest drill, and reports each', async () => {
    const { deps: d, reports, metrics } = deps();
    const result = await sweepTask({ mode: 'sweep' }, d);
    const deleted = rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input);
    expect(deleted).toEqual([
      { DBInstanceIdentifier: 'rxdr-drill-old-1', SkipFinalSnapshot: true, DeleteAutomatedBackups: true },
    ]);
    expect(result.untagged).toEqual(['rxdr-drill-untagged-3']);
    expect(reports[0]).toMatch(/deleted rxdr-drill-old-1 \(drill .*run-1, 540 min old\)/);
    expect(reports[0]).toMatch(/left alone: rxdr-drill-untagged-3/);
    expect(metrics).toMatchObject({ OrphansDeleted: 1, HoursSinceLastDrill: 48 });
  });

  test('an execution that ended FAILED/ABORTED: its own instances go at once, whatever their age; nothing else', async () => {
    const { deps: d } = deps();
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: 'rxdr-drill-mine',
          DBInstanceStatus: 'creating',
          InstanceCreateTime: hoursAgo(0.1),
          TagList: [{ Key: 'rxdr:drill', Value: exec }],
        },
        {
          DBInstanceIdentifier: 'rxdr-drill-other',
          DBInstanceStatus: 'available',
          InstanceCreateTime: hoursAgo(0.1),
          TagList: [{ Key: 'rxdr:drill', Value: 'arn:other' }],
        },
      ],
    });
    await sweepTask(
      {
        source: 'aws.states',
        'detail-type': 'Step Functions Execution Status Change',
        detail: { executionArn: exec, status: 'ABORTED' },
      },
      d,
    );
    expect(rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input.DBInstanceIdentifier)).toEqual([
      'rxdr-drill-mine',
    ]);
  });

  test('Aurora leftovers: the tagged orphan cluster instance goes (no snapshot options), then its cluster; untagged clusters are reported', async () => {
    const { deps: d, reports } = deps();
    const tag = [{ Key: 'rxdr:drill', Value: exec }];
    rds.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: 'rxdr-drill-claims-1',
          DBClusterIdentifier: 'rxdr-drill-claims-1',
          DBInstanceStatus: 'available',
          InstanceCreateTime: hoursAgo(9),
          TagList: tag,
        },
      ],
    });
    rds.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'rxdr-drill-claims-1',
          Status: 'available',
          ClusterCreateTime: hoursAgo(9),
          TagList: tag,
        },
        { DBClusterIdentifier: 'rxdr-drill-busy-2', Status: 'available', ClusterCreateTime: hoursAgo(9), TagList: tag },
        {
          DBClusterIdentifier: 'rxdr-drill-young-3',
          Status: 'available',
          ClusterCreateTime: hoursAgo(1),
          TagList: tag,
        },
        {
          DBClusterIdentifier: 'rxdr-drill-nottag-4',
          Status: 'available',
          ClusterCreateTime: hoursAgo(90),
          TagList: [],
        },
        { DBClusterIdentifier: 'pharmacy-claims', Status: 'available', ClusterCreateTime: hoursAgo(9000), TagList: [] },
      ],
    });
    const busy = Object.assign(new Error('Cluster cannot be deleted, it still contains DB instances'), {
      name: 'InvalidDBClusterStateFault',
    });
    rds.on(DeleteDBClusterCommand, { DBClusterIdentifier: 'rxdr-drill-busy-2' }).rejects(busy);
    rds.on(DeleteDBClusterCommand, { DBClusterIdentifier: 'rxdr-drill-claims-1' }).resolves({});

    const result = await sweepTask({ mode: 'sweep' }, d);

    expect(rds.commandCalls(DeleteDBInstanceCommand).map((c) => c.args[0].input)).toEqual([
      { DBInstanceIdentifier: 'rxdr-drill-claims-1' },
    ]);
    expect(rds.commandCalls(DeleteDBClusterCommand).map((c) => c.args[0].input)).toEqual([
      { DBClusterIdentifier: 'rxdr-drill-claims-1', SkipFinalSnapshot: true },
      { DBClusterIdentifier: 'rxdr-drill-busy-2', SkipFinalSnapshot: true },
    ]);
    expect(result.deferred).toEqual(['rxdr-drill-busy-2']);
    expect(result.untagged).toEqual(['rxdr-drill-nottag-4 (cluster)']);
    expect(reports[0]).toMatch(/deleted rxdr-drill-claims-1 \(cluster\)/);
    expect(reports[0]).toMatch(
      /cluster rxdr-drill-busy-2 still has instances being deleted: the next sweep deletes it/,
    );
  });

  test('a malformed event is rejected before any AWS call', async () => {
    const { deps: d } = deps();
    await expect(sweepTask({ mode: 'everything' }, d)).rejects.toThrow(/invalid sweeper event/);
    expect(rds.calls()).toHaveLength(0);
  });
});
