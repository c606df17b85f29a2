import { CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { DrillFunction } from '../../../lib/constructs/drill/drill-function';
import { definitionFromTemplate } from '../../helpers/local-state-machine';
import { databaseSpec, drillStack } from './drill-stack';

/**
 * The drill's chunked validation in the template: the per-database Map over chunk ids with the database's
 * parallelism, a chunk's time budget and retry, the fleet's chunk settings, and who may touch the chunk
 * results in the evidence bucket.
 */
const { stack, drill } = drillStack({
  databases: [
    databaseSpec('dispensing', { chunking: { parallelism: 16, chunkBytes: 1024 ** 3 } }),
    databaseSpec('claims'),
  ],
});
const template = Template.fromStack(stack);
type State = Record<string, unknown> & { Type: string };
const states = (() => {
  const all: Record<string, State> = {};
  const visit = (machine: { States: Record<string, State> }) => {
    for (const [name, state] of Object.entries(machine.States)) {
      all[name] = state;
      const inner = (state.ItemProcessor ?? state.Iterator) as { States: Record<string, State> } | undefined;
      if (inner) visit(inner);
    }
  };
  visit(definitionFromTemplate(template).definition as unknown as { States: Record<string, State> });
  return all;
})();

/** The policies attached to a drill function's role, as JSON. */
const statementsOf = (fn: DrillFunction) => {
  const role = stack.getLogicalId(fn.role.node.defaultChild as CfnElement);
  return JSON.stringify(
    Object.values(template.findResources('AWS::IAM::ManagedPolicy')).filter((p) =>
      JSON.stringify((p as { Properties: { Roles?: unknown } }).Properties.Roles ?? []).includes(role),
    ),
  );
};

test('PlanChunks, then a Map over the planned chunk ids at the database parallelism, then Validate', () => {
  expect(states.PlanChunks?.Next).toBe('ValidateChunks');
  expect(states.ValidateChunks).toMatchObject({
    Type: 'Map',
    ItemsPath: '$.chunking.ids',
    MaxConcurrencyPath: '$.chunking.parallel',
    ResultPath: null,
    ItemSelector: expect.objectContaining({ 'chunk.$': '$$.Map.Item.Value', 'prefix.$': '$.chunking.prefix' }),
    Next: 'Validate',
  });
  expect(states.ValidateChunks?.Catch).toEqual([
    expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'RequestCleanup', ResultPath: '$.crash' }),
  ]);
});

test('one chunk: a 5-minute function, a task budget just above it, retried alone for time-outs and failures', () => {
  expect(states.ValidateChunk?.TimeoutSeconds).toBe(330);
  expect(states.ValidateChunk?.Retry).toEqual([
    expect.objectContaining({
      ErrorEquals: expect.arrayContaining(['Rxdr.ChunkFailed', 'States.Timeout', 'Sandbox.Timedout']),
      MaxAttempts: 3,
    }),
  ]);
  template.hasResourceProperties('AWS::Lambda::Function', {
    Description: 'rxdr drill: validate one chunk of the restored database',
    Timeout: 300,
    ReservedConcurrentExecutions: 5 * 16 + 2,
    VpcConfig: Match.anyValue(),
  });
});

test('the fleet carries each database chunking; the chunk cap keeps the fleet within the history limit', () => {
  const plan = JSON.stringify(states.Plan?.Parameters);
  expect(plan).toContain('"name":"dispensing"');
  expect(plan).toContain('"chunking":{"parallelism":16,"chunkBytes":1073741824,"maxChunks":1000}');
  expect(plan).toContain('"chunking":{"parallelism":4,"chunkBytes":2147483648,"maxChunks":1000}');
});

test('IAM: the chunk results prefix is written by PlanChunks and ValidateChunk and read by Validate only', () => {
  const f = drill.functions;
  const prefix = 'validation-chunks/test/drill/*';
  expect(statementsOf(f.PlanChunks)).toMatch(/"Action":"s3:PutObject".*validation-chunks\/test\/drill\/\*/);
  expect(statementsOf(f.ValidateChunk)).toMatch(
    /"Action":\["s3:GetObject","s3:PutObject"\].*validation-chunks\/test\/drill\/\*/,
  );
  expect(statementsOf(f.Validate)).toMatch(
    /"Action":"s3:GetObject".*validation-chunks\/test\/drill\/\*"\]\]},"Sid":"ReadChunkResults"/,
  );
  for (const other of [f.Plan, f.PickSource, f.StartRestore, f.CheckRestore, f.RequestCleanup, f.RecordEvidence])
    expect(statementsOf(other)).not.toContain(prefix.slice(0, -2));
  expect(JSON.stringify(template.toJSON())).not.toContain('s3:DeleteObject');
});

test('parallelism, chunk size and the fleet-wide chunk invocations are validated, every problem named', () => {
  expect(() =>
    drillStack({
      maxConcurrency: 20,
      databases: [
        databaseSpec('a', { chunking: { parallelism: 41 } }),
        databaseSpec('b', { chunking: { parallelism: 30, chunkBytes: 100 } }),
      ],
    }),
  ).toThrow(
    /databases\.a\.chunking\.parallelism must be a whole number 1-40 .*got 41.*databases\.b\.chunking\.chunkBytes must be a whole number >= 8192 .*got 100.*maxConcurrency \(20\) × the largest chunking\.parallelism \(41\) is 820 chunk invocations at once; at most 400/,
  );
});
