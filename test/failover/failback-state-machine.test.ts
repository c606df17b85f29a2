import { nextWholeMinute } from '../../engines/failover/aws-helpers';
import { FAILBACK_EVIDENCE_STEPS } from '../helpers/failback-steps';
import { LocalStateMachine, type LocalExecutionResult } from '../helpers/local-state-machine';
import { expectRepointedTo } from './expect-repointed';
import { failedOverWorld, FakeAws, PRIMARY } from './fake-aws';
import { runbookStack } from './runbook-stack';
import { runRunbook } from './run-runbook';

let machine: LocalStateMachine;
beforeAll(() => {
  machine = LocalStateMachine.fromTemplate(runbookStack().template, { stateMachine: 'RunbooksFailback' });
});

const input = {
  database: 'dispensing',
  reason: 'us-east-1 healthy for 48 h; planned return',
  startedBy: 'arn:aws:sts::111111111111:assumed-role/oncall/alice',
};
const REPLICA = 'dispensing-prod-replica';
const FAILBACK = 'dispensing-prod-fb';
const FREEZE = '/rxdr/test/write-freeze/dispensing';

async function failback(
  world: FakeAws,
  options: { crashAfter?: string; startedBy?: string; approvedBy?: string } = {},
): Promise<LocalExecutionResult> {
  const execInput = options.startedBy ? { ...input, startedBy: options.startedBy } : input;
  return runRunbook('failback', machine, world, execInput, {
    executionName: `fb-${Math.random().toString(36).slice(2, 8)}`,
    ...(options.crashAfter ? { crashAfter: options.crashAfter } : {}),
    ...(options.approvedBy ? { approver: { approvedBy: options.approvedBy } } : {}),
  });
}

const evidence = (world: FakeAws) => world.evidence();
const freezeValues = (world: FakeAws) =>
  world
    .calls()
    .filter((c) => c.command === 'PutParameter' && c.input.Name === FREEZE)
    .map((c) => (JSON.parse(String(c.input.Value)) as { frozen: boolean }).frozen);

describe('failback state machine (synthesized, run locally with the real handler)', () => {
  let world: FakeAws;
  afterEach(() => world.restore());

  test('the person who started the failback cannot approve it: stopped before the replica is created', async () => {
    world = failedOverWorld();
    const run = await failback(world, {
      startedBy: 'arn:aws:sts::111111111111:assumed-role/rxdr-test-Operator/alice',
      approvedBy: 'arn:aws:sts::111111111111:assumed-role/rxdr-test-Approver/alice',
    });
    expect(run.status).toBe('FAILED');
    expect(world.count('CreateDBInstanceReadReplica')).toBe(0);
    expect(freezeValues(world)).toEqual([]);
    expect(evidence(world)[0]!.failureReason).toMatch(/Rxdr.SelfApproval/);
  });

  test('happy path: replica in the primary region, write freeze set, zero lag, promoted once, repointed back, freeze lifted, evidence', async () => {
    world = failedOverWorld();
    const run = await failback(world);
    expect(run.status).toBe('SUCCEEDED');
    const created = world.calls().filter((c) => c.command === 'CreateDBInstanceReadReplica');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      client: 'rds:primary',
      input: {
        DBInstanceIdentifier: FAILBACK,
        SourceDBInstanceIdentifier: expect.stringContaining(`:db:${REPLICA}`),
        PubliclyAccessible: false,
      },
    });
    expect(world.count('PromoteReadReplica', (i) => i.DBInstanceIdentifier === FAILBACK)).toBe(1);
    // write freeze set before the switchover and lifted after verification
    expect(freezeValues(world)).toEqual([true, false]);
    expect(JSON.parse(world.parameters.get(FREEZE)!)).toMatchObject({ frozen: false });
    // repoint back: record, parameter and secret host on the new primary-region primary; nothing else
    expectRepointedTo(world, world.endpointOf(FAILBACK, PRIMARY));
    expect(world.parameters.get('/rx/unrelated')).toBe('keep-me');
    // the switchover waited for zero lag: the promotion came after two zero readings
    const [doc] = evidence(world);
    expect(doc).toMatchObject({
      kind: 'failover',
      result: 'passed',
      achievedRpoSeconds: 0,
      startedBy: input.startedBy,
      runbook: { operation: 'failback', status: 'completed', approvedBy: expect.stringContaining('bob') },
    });
    expect(doc!.runbook!.steps.map((s) => s.name)).toEqual(FAILBACK_EVIDENCE_STEPS);
    expect(doc!.runbook!.repointed).toContainEqual({ kind: 'write-freeze', name: FREEZE, value: 'lifted' });
    expect(doc!.metrics).toMatchObject({ writeFreezeSeconds: expect.any(Number) });
  });

  test('the pointers move as soon as the promotion has started, under the write freeze: the record change runs beside it', async () => {
    world = failedOverWorld();
    const run = await failback(world);
    expect(run.status).toBe('SUCCEEDED');
    const steps = new Map(evidence(world)[0]!.runbook!.steps.map((s) => [s.name, s]));
    const at = (step: string, end: 'startedAt' | 'endedAt') => Date.parse(steps.get(step)![end]!);
    expect(at('repoint', 'startedAt')).toBeGreaterThanOrEqual(at('freeze-writes', 'startedAt'));
    expect(at('repoint', 'startedAt')).toBeGreaterThanOrEqual(at('promote', 'startedAt'));
    // the 60 s record change was in sync when the 5 min promotion ended: nothing of it is left on the path
    expect(at('repoint', 'startedAt')).toBeLessThan(at('promote', 'endedAt'));
    expect(at('repoint', 'endedAt')).toBe(at('promote', 'endedAt'));
  });

  test('the catch-up trusts no lag reading from before the freeze: the promotion waits for the first whole minute after it', async () => {
    // CloudWatch (the fake, like the service) reads 0 for the minutes before the freeze: a stale zero that says
    // nothing about the writes made just before it. Only a minute wholly after the freeze may count.
    world = failedOverWorld();
    const run = await failback(world);
    expect(run.status).toBe('SUCCEEDED');
    const steps = new Map(evidence(world)[0]!.runbook!.steps.map((s) => [s.name, s]));
    const frozenAt = new Date(steps.get('freeze-writes')!.startedAt!);
    const firstMinuteAfterFreezePublished = nextWholeMinute(frozenAt).getTime() + 60_000;
    expect(Date.parse(steps.get('promote')!.startedAt!)).toBeGreaterThanOrEqual(firstMinuteAfterFreezePublished);
  });

  test('resumed after the repoint while the promotion still runs: preflight finds the failback instance, no second promotion', async () => {
    world = failedOverWorld();
    expect((await failback(world, { crashAfter: 'repoint' })).status).toBe('FAILED');
    expect(world.records.get('dispensing.db.rx.internal.')).toBe(world.endpointOf(FAILBACK, PRIMARY));
    const second = await failback(world);
    expect(second.status).toBe('SUCCEEDED');
    const steps = evidence(world).find((d) => d.result === 'passed')!.runbook!.steps;
    // the resumed run found the promotion under way and waited for it instead of promoting again
    expect(steps.find((s) => s.name === 'promote')).toMatchObject({ outcome: 'already-done' });
    expect(steps.find((s) => s.name === 'wait-replica')!.durationSeconds).toBeGreaterThan(0);
    expect(world.count('PromoteReadReplica', (i) => i.DBInstanceIdentifier === FAILBACK)).toBe(1);
  });

  describe.each([
    'create-replica',
    'check-replica',
    'freeze',
    'promote',
    'check-promoted',
    'repoint',
    'check-repoint',
    'verify',
  ])('resume after the function died right after %s', (step) => {
    test('a new execution finishes: one replica, one promotion, freeze lifted, repointed back', async () => {
      world = failedOverWorld();
      const first = await failback(world, { crashAfter: step });
      expect(first.status).toBe('FAILED');
      // a failure after the freeze leaves it set and says so
      if (['freeze', 'promote', 'check-promoted', 'repoint', 'check-repoint', 'verify'].includes(step)) {
        expect(JSON.parse(world.parameters.get(FREEZE)!)).toMatchObject({ frozen: true });
        expect(world.published.some((p) => /STILL SET/.test(p.message))).toBe(true);
      }
      // once promoted (or being promoted), the failback instance reports no ReplicaLag any more
      if (['promote', 'check-promoted', 'repoint', 'check-repoint', 'verify'].includes(step)) world.failbackLag = [];
      const second = await failback(world);
      expect(second.status).toBe('SUCCEEDED');
      expect(world.count('CreateDBInstanceReadReplica')).toBe(1);
      expect(world.count('PromoteReadReplica', (i) => i.DBInstanceIdentifier === FAILBACK)).toBe(1);
      expect(JSON.parse(world.parameters.get(FREEZE)!)).toMatchObject({ frozen: false });
      expect(world.records.get('dispensing.db.rx.internal.')).toBe(world.endpointOf(FAILBACK, PRIMARY));
      expect(
        evidence(world)
          .map((d) => d.result)
          .sort(),
      ).toEqual(['failed', 'passed']);
    });
  });
});
