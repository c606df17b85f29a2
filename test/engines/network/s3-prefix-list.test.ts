import { DescribeManagedPrefixListsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import type { EngineLogger } from '../../../engines/common/logger';
import { answerS3PrefixListLookup, s3PrefixListName } from '../../../engines/network/s3-prefix-list';

const ec2 = mockClient(EC2Client);
const logger: EngineLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };
const REGION = 'us-west-2';

let answers: Record<string, unknown>[];
const put = (async (_url: string, init: { body: string }) => {
  answers.push(JSON.parse(init.body) as Record<string, unknown>);
  return { ok: true, status: 200 };
}) as unknown as typeof fetch;

const event = (overrides: Record<string, unknown> = {}) => ({
  RequestType: 'Create',
  ResponseURL: 'https://cloudformation-custom-resource-response-uswest2.s3.amazonaws.com/x?sig=1',
  StackId: 'arn:aws:cloudformation:us-west-2:111111111111:stack/rxdr-dev-recovery/1',
  RequestId: 'request-1',
  LogicalResourceId: 'S3PrefixList',
  ResourceType: 'Custom::RxdrS3PrefixList',
  ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-west-2:111111111111:function:f', Region: REGION },
  ...overrides,
});

beforeEach(() => {
  ec2.reset();
  answers = [];
});

test('names the S3 prefix list of a region, with the prefix the China regions use', () => {
  expect(s3PrefixListName('us-west-2')).toBe('com.amazonaws.us-west-2.s3');
  expect(s3PrefixListName('cn-north-1')).toBe('cn.com.amazonaws.cn-north-1.s3');
});

test("answers with the id of the region's S3 prefix list, asked for by name", async () => {
  ec2.on(DescribeManagedPrefixListsCommand).resolves({
    PrefixLists: [{ PrefixListId: 'pl-68a54001', PrefixListName: 'com.amazonaws.us-west-2.s3' }],
  });

  await answerS3PrefixListLookup(event(), ec2 as unknown as EC2Client, REGION, logger, put);

  expect(ec2.commandCalls(DescribeManagedPrefixListsCommand)[0]!.args[0].input).toEqual({
    Filters: [{ Name: 'prefix-list-name', Values: ['com.amazonaws.us-west-2.s3'] }],
  });
  expect(answers).toEqual([
    expect.objectContaining({
      Status: 'SUCCESS',
      PhysicalResourceId: 'pl-68a54001',
      Data: { PrefixListId: 'pl-68a54001' },
    }),
  ]);
});

test.each([
  ['no list', []],
  ['a list of another name', [{ PrefixListId: 'pl-1', PrefixListName: 'com.amazonaws.us-west-2.dynamodb' }]],
])('answers FAILED when EC2 returns %s, naming the list it looked for', async (_, PrefixLists) => {
  ec2.on(DescribeManagedPrefixListsCommand).resolves({ PrefixLists });

  await answerS3PrefixListLookup(event(), ec2 as unknown as EC2Client, REGION, logger, put);

  expect(answers).toEqual([
    expect.objectContaining({
      Status: 'FAILED',
      Reason: expect.stringContaining(
        'one AWS-managed prefix list named com.amazonaws.us-west-2.s3 in us-west-2, found 0',
      ),
    }),
  ]);
});

test('answers FAILED with the error when EC2 refuses', async () => {
  ec2
    .on(DescribeManagedPrefixListsCommand)
    .rejects(Object.assign(new Error('not authorized'), { name: 'UnauthorizedOperation' }));

  await answerS3PrefixListLookup(event(), ec2 as unknown as EC2Client, REGION, logger, put);

  expect(answers).toEqual([
    expect.objectContaining({ Status: 'FAILED', Reason: 'UnauthorizedOperation: not authorized' }),
  ]);
});

test('a delete answers SUCCESS without calling EC2: the lookup created nothing', async () => {
  await answerS3PrefixListLookup(
    event({ RequestType: 'Delete', PhysicalResourceId: 'pl-68a54001' }),
    ec2 as unknown as EC2Client,
    REGION,
    logger,
    put,
  );

  expect(ec2.calls()).toHaveLength(0);
  expect(answers).toEqual([expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'pl-68a54001' })]);
});

test('a malformed event is answered FAILED before any AWS call, naming the property', async () => {
  await answerS3PrefixListLookup(
    event({ ResourceProperties: { Region: 'Oregon' } }),
    ec2 as unknown as EC2Client,
    REGION,
    logger,
    put,
  );

  expect(ec2.calls()).toHaveLength(0);
  expect(answers).toEqual([
    expect.objectContaining({
      Status: 'FAILED',
      Reason: expect.stringMatching(/^invalid properties: ResourceProperties\.Region/),
    }),
  ]);
});
