import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handler } from '../../lambda/s3-prefix-list';
import { query, resetMoto } from './moto';

/*
 * The S3 prefix list lookup (the custom resource the drill validator's and the database network's egress
 * rules name) against moto's EC2: the Lambda entry answers CloudFormation at a local response URL with the id
 * EC2 itself lists for `com.amazonaws.<region>.s3`.
 */

let server: Server;
let answers: Record<string, unknown>[] = [];
let responseUrl = '';

beforeAll(async () => {
  await resetMoto();
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      answers.push(JSON.parse(body) as Record<string, unknown>);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/answer`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => (answers = []));

const event = (region: string) => ({
  RequestType: 'Create',
  ResponseURL: responseUrl,
  StackId: 'arn:aws:cloudformation:us-west-2:111111111111:stack/rxdr-staging-standby/1',
  RequestId: 'request-1',
  LogicalResourceId: 'S3PrefixList',
  ResourceType: 'Custom::RxdrS3PrefixList',
  ResourceProperties: { ServiceToken: 'arn:aws:lambda:us-west-2:111111111111:function:lookup', Region: region },
});

test("answers with the id EC2 lists for the region's S3 prefix list", async () => {
  const region = process.env.AWS_REGION!;
  const listed = await query('ec2', region, {
    Action: 'DescribeManagedPrefixLists',
    'Filter.1.Name': 'prefix-list-name',
    'Filter.1.Value.1': `com.amazonaws.${region}.s3`,
  });
  const expectedId = /<prefixListId>(pl-[0-9a-f]+)<\/prefixListId>/.exec(listed)?.[1];
  expect(expectedId).toMatch(/^pl-/);

  await handler(event(region));

  expect(answers).toEqual([
    expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: expectedId, Data: { PrefixListId: expectedId } }),
  ]);
});

test('answers FAILED, naming both regions, when asked for another region', async () => {
  await handler(event('eu-central-1'));

  expect(answers).toEqual([
    expect.objectContaining({
      Status: 'FAILED',
      Reason: expect.stringContaining(`asked for eu-central-1 but this function runs in ${process.env.AWS_REGION}`),
    }),
  ]);
});
