import { LocalStateMachine, type LocalExecutionResult } from '../helpers/local-state-machine';
import { MUTATING, PRIMARY, RECOVERY, type FakeAws } from './fake-aws';
import { clusterArn, clusterEndpoint, GLOBAL_WRITER_ENDPOINT, newAuroraWorld, type FakeAurora } from './fake-aurora';
import { runbookStack } from './runbook-stack';
import { runRunbook, type RunbookRunOptions } from './run-runbook';

/**
 * Clients of `claims` connect through its Aurora Global Database's writer endpoint (record, parameter and secret
 * host name it): the synthesized failover state machine, run with the real step handler over the fake account.
 */
const machine = LocalStateMachine.fromTemplate(runbookStack().template, { stateMachine: 'RunbooksFailover' });

const input = (overrides: Record<string, unknown> = {}) => ({
  database: 'claims',
  reason: 'us-east-1 Aurora outage, claims cannot adjudicate',
  startedBy: 'arn:aws:sts::111111111111:assumed-role/oncall/alice',
  ...overrides,
});

let world: FakeAws;
let aurora: FakeAurora;
beforeEach(() => {
  ({ world, aurora } = newAuroraWorld());
  world.catalog.databases.find((d) => d.name === 'claims')!.cluster!.clientsUseGlobalWriterEndpoint = true;
  pointAllAt(GLOBAL_WRITER_ENDPOINT);
});
afterEach(() => world.restore());

function pointAllAt(host: string): void {
  world.records.set('claims.db.rx.internal.', host);
  world.parameters.set('/rx/claims/endpoint', host);
  world.secret = { json: { ...world.secret.json, host }, primaryRegion: PRIMARY };
}

const run = (execInput: Record<string, unknown>, options: RunbookRunOptions = {}): Promise<LocalExecutionResult> =>
  runRunbook('failover', machine, world, execInput, { approval: 'approve', ...options });

const secondary = clusterArn(RECOVERY, 'claims-prod-dr');
const newWriter = clusterEndpoint(RECOVERY, 'claims-prod-dr');
/** Calls that would change a client pointer. */
const repointCalls = () =>
  world
    .calls()
    .filter((c) =>
      ['ChangeResourceRecordSets', 'PutParameter', 'PutSecretValue', 'StopReplicationToReplica'].includes(c.command),
    )
    .filter((c) => c.command !== 'PutParameter' || c.input.Name === '/rx/claims/endpoint');

function expectPointersAt(host: string): void {
  expect(world.records.get('claims.db.rx.internal.')).toBe(host);
  expect(world.parameters.get('/rx/claims/endpoint')).toBe(host);
  expect(world.secret.json.host).toBe(host);
}

describe('clients on the global writer endpoint: a global switchover or failover changes no pointer', () => {
  test.each([
    ['global-failover', 'FailoverGlobalCluster', 'unreachable'],
    ['global-switchover', 'SwitchoverGlobalCluster', 'available'],
  ])(
    '%s: no repoint call, the endpoint check passes, the evidence says AWS moved it',
    async (strategy, call, primary) => {
      world.primaryStatus = primary;
      const result = await run(input({ strategy }));
      expect(result.status).toBe('SUCCEEDED');
      expect(world.count(call)).toBe(1);
      expect(aurora.global.writer).toBe(secondary);
      expect(repointCalls()).toEqual([]);
      expectPointersAt(GLOBAL_WRITER_ENDPOINT);

      const state = result.output as { verify: { checks: { name: string; ok: boolean; detail: string }[] } };
      expect(state.verify.checks).toEqual(
        expect.arrayContaining([
          {
            name: 'global-writer-endpoint',
            ok: true,
            detail: `${GLOBAL_WRITER_ENDPOINT}:5432 leads to claims-prod-dr, the writer of claims-global (moved there by AWS)`,
          },
          expect.objectContaining({ name: 'route53-record', ok: true }),
          expect.objectContaining({ name: 'ssm-parameter', ok: true }),
          expect.objectContaining({ name: 'secret-host', ok: true }),
        ]),
      );
      const [doc] = world.evidence();
      expect(doc).toMatchObject({ result: 'passed', runbook: { strategy, status: 'completed' } });
      expect(doc!.runbook!.repointed).toEqual([
        { kind: 'global-writer-endpoint', name: GLOBAL_WRITER_ENDPOINT, value: newWriter },
        { kind: 'route53-record', name: 'claims.db.rx.internal.', value: GLOBAL_WRITER_ENDPOINT },
        { kind: 'ssm-parameter', name: '/rx/claims/endpoint', value: GLOBAL_WRITER_ENDPOINT },
        { kind: 'secret-host', name: expect.stringContaining(':secret:claims'), value: GLOBAL_WRITER_ENDPOINT },
      ]);
      const step = doc!.runbook!.steps.find((s) => s.name === 'repoint')!;
      expect(step.detail).toBe(
        'global-writer-endpoint by-aws, route53-record already-done, ssm-parameter already-done, secret-host already-done',
      );
    },
  );

  test('the plan says no pointer changes and names the endpoint; the dry run is read-only', async () => {
    const result = await run(input({ dryRun: true }));
    const plan = result.output as {
      decision: string;
      checks: { name: string; ok: boolean; detail: string }[];
      warnings: string[];
      steps: { name: string; description: string }[];
    };
    expect(plan.decision).toBe('dry-run');
    expect(plan.checks).toContainEqual({
      name: 'global-writer-endpoint',
      ok: true,
      detail: `clients connect through ${GLOBAL_WRITER_ENDPOINT}, which AWS moves to the new writer: the run changes no pointer that names it`,
    });
    expect(plan.warnings).toEqual([]);
    expect(plan.steps.find((s) => s.name === 'repoint')?.description).toBe(
      'none: record claims.db.rx.internal, parameter /rx/claims/endpoint, the secret host name the global writer ' +
        'endpoint, which AWS moves to claims-prod-dr',
    );
    expect(world.calls().filter((c) => MUTATING.test(c.command))).toEqual([]);
  });

  test('a pointer that does not name the global writer endpoint is announced and pointed there, the rest untouched', async () => {
    const old = clusterEndpoint(PRIMARY, 'claims-prod');
    world.records.set('claims.db.rx.internal.', old);
    const plan = await run(input({ dryRun: true }));
    expect((plan.output as { warnings: string[] }).warnings).toEqual([
      `route53-record claims.db.rx.internal names ${old}, not the global writer endpoint ${GLOBAL_WRITER_ENDPOINT}: ` +
        `the run points it at ${GLOBAL_WRITER_ENDPOINT}`,
    ]);
    const result = await run(input());
    expect(result.status).toBe('SUCCEEDED');
    expect(repointCalls().map((c) => c.command)).toEqual(['ChangeResourceRecordSets']);
    expectPointersAt(GLOBAL_WRITER_ENDPOINT);
  });

  test('a global database that reports no writer endpoint blocks the run before anything changes', async () => {
    aurora.global.endpoint = undefined;
    const result = await run(input());
    expect(result.error).toBe('Rxdr.PreflightBlocked');
    expect(world.calls().filter((c) => MUTATING.test(c.command) && c.command !== 'Publish')).toEqual([]);
  });

  test('the endpoint not following the new writer fails verification with the reason, in the evidence', async () => {
    // After the switch and validation, the global database reports the old primary as its writer again.
    const result = await run(input(), {
      aroundTask: async (invocation, proceed) => {
        if (invocation.stateName === 'Verify') aurora.global.writer = clusterArn(PRIMARY, 'claims-prod');
        return proceed();
      },
    });
    expect(result.status).toBe('FAILED');
    expect(repointCalls()).toEqual([]);
    const [doc] = world.evidence();
    expect(doc).toMatchObject({ result: 'failed', runbook: { status: 'failed' } });
    expect(doc!.failureReason).toContain(
      `verification failed: global-writer-endpoint: ${GLOBAL_WRITER_ENDPOINT} still leads to claims-prod in ` +
        `${PRIMARY}, not to claims-prod-dr: claims-global reports that cluster as its writer`,
    );
    expect(doc!.runbook!.steps.at(-1)).toMatchObject({ name: 'verify', outcome: 'failed' });
  });
});

describe('clients on the global writer endpoint: detach-and-promote leaves the global database and repoints', () => {
  const detach = (overrides: Record<string, unknown> = {}) =>
    input({ strategy: 'detach-and-promote', reason: 'FailoverGlobalCluster keeps failing', ...overrides });

  test('the plan warns that the pointers move to the detached cluster', async () => {
    const result = await run(detach({ dryRun: true }));
    const plan = result.output as { warnings: string[]; steps: { name: string; description: string }[] };
    expect(plan.warnings).toContain(
      'clients connect through the global writer endpoint, but detach-and-promote leaves the global database: the ' +
        'run repoints record claims.db.rx.internal, parameter /rx/claims/endpoint, the secret host at the new ' +
        "cluster's endpoint (the global writer endpoint stays with the global database)",
    );
    expect(plan.steps.find((s) => s.name === 'repoint')?.description).toMatch(/^point record claims\.db\.rx\.internal/);
  });

  test('the record, parameter and secret host are repointed at the detached cluster, as without the option', async () => {
    const result = await run(detach());
    expect(result.status).toBe('SUCCEEDED');
    expect(world.count('RemoveFromGlobalCluster')).toBe(1);
    expectPointersAt(newWriter);
    const [doc] = world.evidence();
    expect(doc!.runbook!.repointed.map((r) => r.kind)).toEqual(['route53-record', 'ssm-parameter', 'secret-host']);
    expect(doc!.runbook!.repointed.every((r) => r.value === newWriter)).toBe(true);
  });
});

describe('clients on the global writer endpoint: the failback switches back and changes no pointer', () => {
  const failback = LocalStateMachine.fromTemplate(runbookStack().template, { stateMachine: 'RunbooksFailback' });
  const back = { database: 'claims', reason: 'us-east-1 healthy again', startedBy: input().startedBy };

  test('one SwitchoverGlobalCluster back; no repoint call; verified through the endpoint; evidence says AWS moved it', async () => {
    aurora.global.writer = secondary;
    world.primaryStatus = 'available';
    const result = await runRunbook('failback', failback, world, back, { approval: 'approve' });
    expect(result.status).toBe('SUCCEEDED');
    expect(world.count('SwitchoverGlobalCluster')).toBe(1);
    expect(aurora.global.writer).toBe(clusterArn(PRIMARY, 'claims-prod'));
    expect(repointCalls()).toEqual([]);
    expectPointersAt(GLOBAL_WRITER_ENDPOINT);
    const state = result.output as { verify: { checks: { name: string; ok: boolean; detail: string }[] } };
    expect(state.verify.checks[0]).toEqual({
      name: 'global-writer-endpoint',
      ok: true,
      detail: `${GLOBAL_WRITER_ENDPOINT}:5432 leads to claims-prod, the writer of claims-global (moved there by AWS)`,
    });
    const [doc] = world.evidence();
    expect(doc).toMatchObject({ result: 'passed', runbook: { operation: 'failback', status: 'completed' } });
    expect(doc!.runbook!.repointed).toContainEqual({
      kind: 'global-writer-endpoint',
      name: GLOBAL_WRITER_ENDPOINT,
      value: clusterEndpoint(PRIMARY, 'claims-prod'),
    });
  });
});
