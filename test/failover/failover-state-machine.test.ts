import { Template } from 'aws-cdk-lib/assertions';
import { EvidenceDocument } from '../../engines/evidence/schema';
import { LocalStateMachine, type LocalExecutionResult } from '../helpers/local-state-machine';
import { FakeAws, MUTATING, newWorld, RECOVERY } from './fake-aws';
import { runbookStack } from './runbook-stack';
import { runRunbook, type Approval } from './run-runbook';
import { expectRepointedTo } from './expect-repointed';

let template: Template;
let machine: LocalStateMachine;
beforeAll(() => {
  template = runbookStack().template;
  machine = LocalStateMachine.fromTemplate(template, { stateMachine: 'RunbooksFailover' });
});

const input = (overrides: Record<string, unknown> = {}) => ({
  database: 'dispensing',
  reason: 'us-east-1 RDS outage, pharmacies cannot fill',
  startedBy: 'arn:aws:sts::111111111111:assumed-role/oncall/alice',
  ...overrides,
});

/**
 * Run the synthesized failover state machine with the real handler over the fake account. Polling Wait
 * states take no real time: the virtual clock jumps by the wait the state machine asked for.
 */
async function failover(
  world: FakeAws,
  execInput: Record<string, unknown>,
  options: {
    approval?: Approval;
    crashAfter?: string;
    executionName?: string;
    approver?: { approvedBy: string; breakGlass?: boolean };
  } = {},
): Promise<LocalExecutionResult> {
  return runRunbook('failover', machine, world, execInput, { approvalSeconds: 90, ...options });
}

function evidence(world: FakeAws): EvidenceDocument[] {
  return world.evidence();
}

/** `database` (its record on an old host) fails over to the end, approved: the input of its one `command` call. */
async function failedOverWithOne(world: FakeAws, database: string, command: string): Promise<Record<string, unknown>> {
  world.records.set(`${database}.db.rx.internal.`, 'old');
  const run = await failover(world, input({ database }), { approval: 'approve' });
  expect(run.status).toBe('SUCCEEDED');
  const calls = world.calls().filter((c) => c.command === command);
  expect(calls).toHaveLength(1);
  return calls[0]!.input;
}

describe('failover state machine (synthesized, run locally with the real handler)', () => {
  let world: FakeAws;
  afterEach(() => world.restore());

  test('promote-replica end to end: promoted once, validated, repointed, verified, evidence with the decision trail', async () => {
    world = newWorld();
    const run = await failover(world, input(), { approval: 'approve' });
    expect(run.status).toBe('SUCCEEDED');
    expect(world.count('PromoteReadReplica')).toBe(1);
    expectRepointedTo(world, world.endpointOf('dispensing-prod-replica'));
    expect(world.count('StopReplicationToReplica')).toBe(1);
    const [doc] = evidence(world);
    expect(doc).toMatchObject({
      kind: 'failover',
      result: 'passed',
      database: 'dispensing',
      startedBy: input().startedBy,
      source: { kind: 'replica' },
    });
    expect(doc!.runbook).toMatchObject({
      operation: 'failover',
      strategy: 'promote-replica',
      status: 'completed',
      approvedBy: expect.stringContaining('bob'),
      contingencyPlanActivatedAt: expect.any(String),
    });
    expect(doc!.runbook!.steps.map((s) => s.name)).toEqual([
      'preflight',
      'approval',
      'activate-contingency-plan',
      'recover',
      'wait-available',
      'validate',
      'repoint',
      'verify',
      'notify',
    ]);
    for (const step of doc!.runbook!.steps) expect(step.endedAt).toBeDefined();
    // promotion (300 s) was noticed within one poll interval (≤ 15 s)
    const wait = doc!.runbook!.steps.find((s) => s.name === 'wait-available')!;
    expect(wait.durationSeconds).toBeGreaterThanOrEqual(300);
    expect(wait.durationSeconds).toBeLessThanOrEqual(315);
    expect(world.published.map((p) => p.subject)).toEqual([
      expect.stringContaining('waits for approval'),
      expect.stringContaining('contingency plan activated'),
      expect.stringContaining('failed over'),
    ]);
    expect(world.published[1]!.message).toMatch(/Contingency plan activated at 2026-/);
    expect(world.parameters.has(`/rxdr/test/approvals/${doc!.runId}`)).toBe(false);
  });

  describe('separation of duties: the person who started the run cannot approve it', () => {
    const alice = (role: string) => `arn:aws:sts::111111111111:assumed-role/${role}/alice`;

    test('alice starts as Operator and approves as Approver: stopped before any change, failed evidence says why', async () => {
      world = newWorld();
      const run = await failover(world, input({ startedBy: alice('rxdr-test-Operator') }), {
        approval: 'approve',
        approver: { approvedBy: alice('rxdr-test-Approver') },
      });
      expect(run.status).toBe('FAILED');
      for (const change of ['PromoteReadReplica', 'ChangeResourceRecordSets', 'PutSecretValue'])
        expect(world.count(change)).toBe(0);
      expect(world.published.map((p) => p.subject)).not.toContainEqual(
        expect.stringContaining('contingency plan activated'),
      );
      const [doc] = evidence(world);
      expect(doc).toMatchObject({ result: 'failed', failedStep: expect.stringMatching(/activate/) });
      expect(doc!.failureReason).toMatch(/Rxdr.SelfApproval.*same person may not start and approve/);
    });

    test('the same person through the break-glass role is let through (its use is alarmed elsewhere)', async () => {
      world = newWorld();
      const run = await failover(world, input({ startedBy: alice('rxdr-test-Operator') }), {
        approval: 'approve',
        approver: { approvedBy: alice('rxdr-test-break-glass'), breakGlass: true },
      });
      expect(run.status).toBe('SUCCEEDED');
      expect(evidence(world)[0]!.runbook).toMatchObject({ approvedBy: alice('rxdr-test-break-glass') });
    });
  });

  test('point-in-time end to end: one restore from the replicated automated backups, private, to the latest restorable time', async () => {
    world = newWorld('inventory');
    const restore = await failedOverWithOne(world, 'inventory', 'RestoreDBInstanceToPointInTime');
    expect(restore).toMatchObject({
      SourceDBInstanceAutomatedBackupsArn: expect.stringContaining('auto-backup:ab-inventory-prod'),
      TargetDBInstanceIdentifier: 'inventory-prod-dr',
      UseLatestRestorableTime: true,
      PubliclyAccessible: false,
    });
    expect(world.records.get('inventory.db.rx.internal.')).toBe(world.endpointOf('inventory-prod-dr'));
    expect(evidence(world)[0]).toMatchObject({
      result: 'passed',
      source: { kind: 'point-in-time' },
      runbook: { strategy: 'point-in-time' },
    });
  });

  test('latest-backup end to end: the newest completed recovery point of this database is restored once', async () => {
    world = newWorld('analytics');
    const job = await failedOverWithOne(world, 'analytics', 'StartRestoreJob');
    expect(job).toMatchObject({
      RecoveryPointArn: expect.stringContaining('rp-new'),
      Metadata: expect.objectContaining({ DBInstanceIdentifier: 'analytics-prod-dr', PubliclyAccessible: 'false' }),
    });
    expect(evidence(world)[0]).toMatchObject({ result: 'passed', source: { kind: 'snapshot' } });
  });

  describe('latest-backup while the recovery vault is declared lost', () => {
    const DECLARATION = '/rxdr/test/gameday/vault-declared-lost';
    const ISOLATED = 'rxdr-test-air-gapped';
    const isolatedWorld = (): FakeAws => {
      const w = newWorld('analytics');
      w.records.set('analytics.db.rx.internal.', 'old');
      w.catalog.isolatedVaultName = ISOLATED;
      w.catalog.vaultLostParameterName = DECLARATION;
      // Older than the recovery vault's newest point: only the declaration can make the run pick it.
      w.recoveryPoints.push({
        arn: `arn:aws:backup:${RECOVERY}:111111111111:recovery-point:rp-isolated`,
        created: '2026-03-03T00:00:00.000Z',
        vault: ISOLATED,
      });
      return w;
    };
    const listedVaults = (w: FakeAws): unknown[] =>
      w
        .calls()
        .filter((c) => c.command === 'ListRecoveryPointsByBackupVault')
        .map((c) => c.input.BackupVaultName);

    test("declared: the air-gapped vault's newest recovery point is restored, the recovery vault is not read", async () => {
      world = isolatedWorld();
      world.parameters.set(DECLARATION, JSON.stringify({ declaredBy: 'game day', at: '2026-03-03T02:00:00Z' }));
      const run = await failover(world, input({ database: 'analytics' }), { approval: 'approve' });
      expect(run.status).toBe('SUCCEEDED');
      const jobs = world.calls().filter((c) => c.command === 'StartRestoreJob');
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!.input.RecoveryPointArn).toContain('rp-isolated');
      expect(new Set(listedVaults(world))).toEqual(new Set([ISOLATED]));
      expect(evidence(world)[0]).toMatchObject({
        result: 'passed',
        source: { details: { via: 'aws-backup', vault: ISOLATED, recoveryVaultDeclaredLost: expect.any(String) } },
      });
    });

    test("not declared: the recovery vault's newest recovery point, as always", async () => {
      world = isolatedWorld();
      const run = await failover(world, input({ database: 'analytics' }), { approval: 'approve' });
      expect(run.status).toBe('SUCCEEDED');
      const jobs = world.calls().filter((c) => c.command === 'StartRestoreJob');
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!.input.RecoveryPointArn).toContain('rp-new');
      expect(new Set(listedVaults(world))).toEqual(new Set(['rxdr-test-recovery']));
      expect(evidence(world)[0]!.source?.details).toEqual({ via: 'aws-backup', vault: 'rxdr-test-recovery' });
    });
  });

  describe('restores land in the recovery database network the standby stack publishes', () => {
    const NETWORK = '/rxdr/test/recovery-network';
    const published = JSON.stringify({ subnetGroupName: 'rxdr-test-recovered', securityGroupIds: ['sg-0recovered'] });

    test.each([
      [
        'inventory',
        'RestoreDBInstanceToPointInTime',
        (i: Record<string, unknown>) => ({
          DBSubnetGroupName: i.DBSubnetGroupName,
          VpcSecurityGroupIds: i.VpcSecurityGroupIds,
        }),
      ],
      [
        'analytics',
        'StartRestoreJob',
        (i: Record<string, unknown>) => {
          const m = i.Metadata as Record<string, string>;
          return {
            DBSubnetGroupName: m.DBSubnetGroupName,
            VpcSecurityGroupIds: JSON.parse(m.VpcSecurityGroupIds!) as unknown,
          };
        },
      ],
    ] as const)('%s: %s names its subnet group and security group', async (database, command, placement) => {
      world = newWorld(database);
      world.records.set(`${database}.db.rx.internal.`, 'old');
      world.catalog.recoveryNetworkParameterName = NETWORK;
      world.parameters.set(NETWORK, published);
      const run = await failover(world, input({ database }), { approval: 'approve' });
      expect(run.status).toBe('SUCCEEDED');
      const calls = world.calls().filter((c) => c.command === command);
      expect(calls).toHaveLength(1);
      expect(placement(calls[0]!.input)).toEqual({
        DBSubnetGroupName: 'rxdr-test-recovered',
        VpcSecurityGroupIds: ['sg-0recovered'],
      });
    });

    test('without the published network, preflight blocks the restore and nothing is changed', async () => {
      world = newWorld('inventory');
      world.catalog.recoveryNetworkParameterName = NETWORK;
      const run = await failover(world, input({ database: 'inventory' }), { approval: 'approve' });
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('Rxdr.PreflightBlocked');
      expect(run.stateEntries.RequestApproval).toBeUndefined();
      expect(world.calls().filter((c) => MUTATING.test(c.command))).toEqual([]);
    });
  });

  test('a healthy primary is refused before the approval gate, with no mutating call', async () => {
    world = newWorld();
    world.primaryStatus = 'available';
    const run = await failover(world, input(), { approval: 'approve' });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('Rxdr.PrimaryHealthy');
    expect(run.cause).toMatch(/--force/);
    expect(run.stateEntries.RequestApproval).toBeUndefined();
    expect(world.calls().filter((c) => MUTATING.test(c.command))).toEqual([]);
  });

  test('forced with a reason, a healthy primary is failed over and the reason is recorded', async () => {
    world = newWorld();
    world.primaryStatus = 'available';
    const run = await failover(
      world,
      input({ force: { reason: 'primary answers but corrupts writes (ransomware)' } }),
      { approval: 'approve' },
    );
    expect(run.status).toBe('SUCCEEDED');
    expect(evidence(world)[0]!.runbook).toMatchObject({
      forcedReason: 'primary answers but corrupts writes (ransomware)',
    });
    expect(world.published[0]!.message).toMatch(/FORCED/);
  });

  test('a forced run without a reason is rejected as invalid input', async () => {
    world = newWorld();
    const run = await failover(world, input({ force: { reason: '' } }), { approval: 'approve' });
    expect(run.status).toBe('FAILED');
    expect(run.cause).toMatch(/force\.reason: a forced failover needs a reason/);
    expect(world.calls().filter((c) => MUTATING.test(c.command))).toEqual([]);
  });

  test('abort at the approval gate: nothing changes, aborted evidence, token removed', async () => {
    world = newWorld();
    const run = await failover(world, input(), { approval: 'abort' });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('Rxdr.Aborted');
    expect(
      world.calls().filter((c) => /^(Promote|Restore|StartRestore|Change|PutSecret|Stop)/.test(c.command)),
    ).toEqual([]);
    const [doc] = evidence(world);
    expect(doc).toMatchObject({ result: 'failed', runbook: { status: 'aborted' } });
    expect(doc!.failureReason).toMatch(/aborted by an operator: bob: the primary is back/);
    expect([...world.parameters.keys()].filter((k) => k.startsWith('/rxdr/test/approvals/'))).toEqual([]);
  });

  test('approval timeout aborts the run', async () => {
    world = newWorld();
    const run = await failover(world, input(), { approval: 'never' });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe('Rxdr.Aborted');
    expect(evidence(world)[0]!.failureReason).toMatch(/nobody approved before the approval timeout/);
    expect(world.count('PromoteReadReplica')).toBe(0);
  });

  test('dry-run: preflight and plan only; every recorded call is read-only', async () => {
    world = newWorld();
    const run = await failover(world, input({ dryRun: true }), { approval: 'approve' });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      decision: 'dry-run',
      strategy: 'promote-replica',
      expectedDataLossSeconds: 2,
      blockers: [],
    });
    const calls = world.calls();
    expect(calls.length).toBeGreaterThan(3);
    expect(calls.filter((c) => MUTATING.test(c.command) || !/^(Describe|Get|List)/.test(c.command))).toEqual([]);
  });

  test('throttling is retried with back-off and the destructive call still happens once', async () => {
    world = newWorld();
    world.inject('PromoteReadReplica', Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    world.inject(
      'ChangeResourceRecordSets',
      Object.assign(new Error('slow down'), { name: 'PriorRequestNotComplete' }),
    );
    const run = await failover(world, input(), { approval: 'approve' });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.retries.StartRecovery).toBe(1);
    expect(run.retries.Repoint).toBe(1);
    expect(world.count('PromoteReadReplica')).toBe(2); // one throttled, one accepted
    expect(world.instances.get(`${RECOVERY}/dispensing-prod-replica`)?.replicaSource).toBeUndefined();
  });

  test('failed validation stops before any client is repointed', async () => {
    world = newWorld();
    world.validator = { passed: false };
    const run = await failover(world, input(), { approval: 'approve' });
    expect(run.status).toBe('FAILED');
    expect(world.count('ChangeResourceRecordSets') + world.count('PutSecretValue')).toBe(0);
    expect(evidence(world)[0]).toMatchObject({ result: 'failed', failedStep: 'validate' });
  });

  test('repoint changes exactly the record, the parameter and the secret host, nothing else', async () => {
    world = newWorld();
    const before = { records: new Map(world.otherRecords), params: new Map(world.parameters) };
    await failover(world, input(), { approval: 'approve' });
    const changed = [...world.parameters.entries()].filter(([k, v]) => before.params.get(k) !== v).map(([k]) => k);
    expect(changed).toEqual(['/rx/dispensing/endpoint']);
    expect(world.otherRecords).toEqual(before.records);
    const changes = world.calls().filter((c) => c.command === 'ChangeResourceRecordSets');
    expect(changes).toHaveLength(1);
    expect(changes[0]!.input).toMatchObject({
      HostedZoneId: 'Z1',
      ChangeBatch: {
        Changes: [
          {
            Action: 'UPSERT',
            ResourceRecordSet: {
              Name: 'dispensing.db.rx.internal.',
              Type: 'CNAME',
              ResourceRecords: [{ Value: world.endpointOf('dispensing-prod-replica') }],
            },
          },
        ],
      },
    });
    expect(
      world
        .calls()
        .filter((c) => c.command === 'PutParameter')
        .map((c) => c.input.Name),
    ).toEqual([expect.stringMatching(/^\/rxdr\/test\/approvals\//), '/rx/dispensing/endpoint']);
  });

  describe.each(['promote-replica', 'point-in-time'] as const)(
    'resume (%s): the function dies right after a step did its work; a new execution finishes without repeating it',
    (strategy) => {
      const steps = [
        'preflight',
        'activate',
        'start-recovery',
        'check-recovery',
        'prepare-validation',
        'validate',
        'repoint',
        'check-repoint',
        'verify',
        'notify',
      ];
      test.each(steps)('after %s', async (step) => {
        world = newWorld();
        const first = await failover(world, input({ strategy }), { approval: 'approve', crashAfter: step });
        expect(first.status).toBe('FAILED');
        const second = await failover(world, input({ strategy }), { approval: 'approve' });
        expect(second.status).toBe('SUCCEEDED');
        const target = strategy === 'promote-replica' ? 'dispensing-prod-replica' : 'dispensing-prod-dr';
        expect(world.count('PromoteReadReplica') + world.count('RestoreDBInstanceToPointInTime')).toBe(1);
        expect(world.count('ChangeResourceRecordSets')).toBe(1);
        expect(world.count('PutSecretValue')).toBe(1);
        expect(world.count('StopReplicationToReplica')).toBe(1);
        expect(world.count('PutParameter', (i) => i.Name === '/rx/dispensing/endpoint')).toBe(1);
        expectRepointedTo(world, world.endpointOf(target));
        const docs = evidence(world);
        expect(docs.map((d) => d.result).sort()).toEqual(['failed', 'passed']);
        const resumed = docs.find((d) => d.result === 'passed')!;
        // From start-recovery on, the first execution had started the recovery: the resumed one finds it done.
        if (steps.indexOf(step) >= steps.indexOf('start-recovery')) {
          expect(resumed.runbook!.steps.find((s) => s.name === 'recover')!.outcome).toBe('already-done');
        }
      });
    },
  );
});
