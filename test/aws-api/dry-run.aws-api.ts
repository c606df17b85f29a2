import { ListResourceRecordSetsCommand } from '@aws-sdk/client-route-53';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetParametersByPathCommand } from '@aws-sdk/client-ssm';
import type { FailbackPlan } from '../../engines/failover/failback-steps';
import type { Plan } from '../../engines/failover/failover-steps';
import { instances, isNotImplemented, MUTATING, PRIMARY, RECOVERY, resetMoto, snapshotOf } from './moto';
import {
  BUCKET,
  east,
  failedOver,
  losePrimary,
  runbookTask,
  runbookWorld,
  SECRET,
  start,
  west,
  type RunbookWorld,
} from './runbook-world';

/**
 * `rxdr failover plan` and `rxdr failback plan` start the state machine with `dryRun: true`: it runs preflight
 * and stops. Preflight runs here through the Lambda's clients against moto; every command they send is counted,
 * and moto's whole account is compared before and after.
 */

/** Everything the runbooks could change, as moto describes it. */
async function account(w: RunbookWorld): Promise<unknown> {
  const { clients } = w.deps;
  const describe = async (rds: typeof east) =>
    Promise.all([...(await instances(rds)).keys()].sort().map((id) => snapshotOf(rds, id)));
  return {
    primary: await describe(east),
    recovery: await describe(west),
    parameters: (
      await clients.ssm.send(new GetParametersByPathCommand({ Path: '/', Recursive: true }))
    ).Parameters?.map((p) => [p.Name, p.Value, p.Version]),
    secret: (await clients.secrets.send(new GetSecretValueCommand({ SecretId: SECRET }))).SecretString,
    records: (await clients.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: w.zoneId })))
      .ResourceRecordSets,
    evidence: (await clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).KeyCount,
  };
}

beforeEach(resetMoto);

test('failover plan (promote-replica): a plan, zero mutating calls, the account unchanged', async () => {
  const w = await runbookWorld();
  await losePrimary();
  const before = await account(w);
  w.calls.length = 0;

  const plan = (await runbookTask('failover', w, 'preflight', start('promote-replica', true))) as Plan;

  expect(plan).toMatchObject({
    decision: 'dry-run',
    strategy: 'promote-replica',
    blockers: [],
    source: { kind: 'replica', id: 'dispensing-replica' },
  });
  expect(w.calls.length).toBeGreaterThan(0);
  expect(w.calls.filter((c) => MUTATING.test(c.command))).toEqual([]);
  expect(new Set(w.calls.map((c) => c.region))).toEqual(new Set([PRIMARY, RECOVERY]));
  expect(await account(w)).toEqual(before);
});

test('failover plan (point-in-time): zero mutating calls; preflight stops at DescribeAccountAttributes, which moto lacks', async () => {
  const w = await runbookWorld();
  await losePrimary();
  const before = await account(w);
  w.calls.length = 0;

  const error = await runbookTask('failover', w, 'preflight', start('point-in-time', true)).then(
    () => undefined,
    (e: unknown) => e,
  );
  // Once moto answers DescribeAccountAttributes this fails: then assert the plan as in the promote-replica case.
  expect(isNotImplemented(error)).toBe(true);
  console.log('not implemented by moto: DescribeAccountAttributes (point-in-time preflight ends there)');
  expect(w.calls.map((c) => c.command)).toContain('DescribeDBInstanceAutomatedBackups');
  expect(w.calls.filter((c) => MUTATING.test(c.command))).toEqual([]);
  expect(await account(w)).toEqual(before);
});

test('failback plan: a plan, zero mutating calls, the account unchanged', async () => {
  const w = await runbookWorld();
  await failedOver(w);
  const before = await account(w);
  w.calls.length = 0;

  const plan = (await runbookTask('failback', w, 'preflight', {
    input: {
      database: 'dispensing',
      dryRun: true,
      reason: 'plan (dry run)',
      startedBy: 'arn:aws:iam::111111111111:role/oncall',
    },
    execution: { id: 'arn:aws:states:us-west-2:111111111111:execution:rxdr-failback:plan-1', name: 'plan-1' },
  })) as FailbackPlan;

  expect(plan).toMatchObject({
    decision: 'dry-run',
    currentPrimary: { identifier: 'dispensing-recovered' },
    blockers: [],
  });
  expect(w.calls.length).toBeGreaterThan(0);
  expect(w.calls.filter((c) => MUTATING.test(c.command))).toEqual([]);
  expect(await account(w)).toEqual(before);
});
