import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import type { StepDeps } from '../../engines/failover/clients';
import { checkCaughtUp } from '../../engines/failover/failback-steps/freeze';
import type { FailbackState } from '../../engines/failover/failback-steps/state';

const FROZEN_AT = '2026-12-07T10:00:30.000Z';
const cloudwatch = mockClient(CloudWatchClient);
const rds = mockClient(RDSClient);
const failbackInstance = (replicaOf?: string) =>
  rds.on(DescribeDBInstancesCommand).resolves({
    DBInstances: [
      {
        DBInstanceIdentifier: 'dispensing-prod-fb',
        DBInstanceStatus: 'available',
        ReadReplicaSourceDBInstanceIdentifier: replicaOf,
      },
    ],
  });
beforeEach(() => failbackInstance('arn:aws:rds:us-west-2:111111111111:db:dispensing-prod-replica'));
afterEach(() => {
  cloudwatch.reset();
  rds.reset();
});

const state = {
  plan: { currentPrimary: { identifier: 'dispensing-prod-replica' }, replicaIdentifier: 'dispensing-prod-fb' },
  freeze: { frozenAt: FROZEN_AT },
} as unknown as FailbackState;
const at = (iso: string) =>
  ({
    clients: {
      cloudwatchPrimary: new CloudWatchClient({ region: 'us-east-1' }),
      rdsPrimary: new RDSClient({ region: 'us-east-1' }),
    },
    clock: { now: () => new Date(iso) },
  }) as unknown as StepDeps;
const asked = () =>
  cloudwatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input as GetMetricDataCommandInput);

describe('the failback catch-up counts only ReplicaLag readings of minutes after the write freeze', () => {
  test('within the minute of the freeze there is no such reading yet: CloudWatch is not asked, not caught up', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm', Values: [0] }] });
    const look = await checkCaughtUp(state, at('2026-12-07T10:00:50.000Z'));
    expect(asked()).toEqual([]);
    expect(look).toMatchObject({ lagSeconds: null, zeroLagPolls: 0, caughtUp: false });
  });

  test('asks from the first whole minute after the freeze (CloudWatch would round an earlier start down)', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm', Values: [] }] });
    const look = await checkCaughtUp(state, at('2026-12-07T10:01:20.000Z'));
    expect(asked()).toHaveLength(1);
    expect(asked()[0]!.StartTime).toEqual(new Date('2026-12-07T10:01:00.000Z'));
    expect(asked()[0]!.EndTime).toEqual(new Date('2026-12-07T10:01:20.000Z'));
    // a zero from before the freeze is not in that window: no reading, no promotion
    expect(look).toMatchObject({ lagSeconds: null, zeroLagPolls: 0, caughtUp: false });
  });

  test('two zero readings after the freeze: caught up', async () => {
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm', Values: [0] }] });
    const first = await checkCaughtUp(state, at('2026-12-07T10:01:20.000Z'));
    const second = await checkCaughtUp({ ...state, catchUp: first }, at('2026-12-07T10:01:28.000Z'));
    expect([first.zeroLagPolls, second.zeroLagPolls, second.caughtUp]).toEqual([1, 2, true]);
  });

  test('resumed after this failback promoted the instance (standalone, no ReplicaLag any more): caught up at once', async () => {
    failbackInstance(undefined);
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm', Values: [] }] });
    const look = await checkCaughtUp(state, at('2026-12-07T10:05:00.000Z'));
    expect(look).toMatchObject({ caughtUp: true, lagSeconds: 0 });
    expect(asked()).toEqual([]);
  });
});
