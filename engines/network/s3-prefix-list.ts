import { DescribeManagedPrefixListsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { answerCloudFormation, CfnResponse } from '../common/cloudformation-response';
import type { EngineLogger } from '../common/logger';

/** The AWS-managed prefix list of S3 in a region (`cn.` in front in the China regions). */
export function s3PrefixListName(region: string): string {
  return `${region.startsWith('cn-') ? 'cn.' : ''}com.amazonaws.${region}.s3`;
}

/** The id of the region's S3 prefix list: what a security group names to reach the S3 gateway endpoint. */
export async function findS3PrefixListId(ec2: Pick<EC2Client, 'send'>, region: string): Promise<string> {
  const name = s3PrefixListName(region);
  const found = await ec2.send(
    new DescribeManagedPrefixListsCommand({ Filters: [{ Name: 'prefix-list-name', Values: [name] }] }),
  );
  const ids = (found.PrefixLists ?? []).flatMap((p) =>
    p.PrefixListName === name && p.PrefixListId ? [p.PrefixListId] : [],
  );
  const [id] = ids;
  if (ids.length !== 1 || !id)
    throw new Error(`expected one AWS-managed prefix list named ${name} in ${region}, found ${ids.length}`);
  return id;
}

const common = {
  RequestId: z.string(),
  // Properties are only there to make CloudFormation call again when the region's name would change.
  ResourceProperties: z.object({ Region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/) }),
};
const eventSchema = z.discriminatedUnion('RequestType', [
  z.object({ ...common, RequestType: z.literal('Create') }),
  z.object({ ...common, RequestType: z.literal('Update'), PhysicalResourceId: z.string() }),
  z.object({ ...common, RequestType: z.literal('Delete'), PhysicalResourceId: z.string() }),
]);
type LookupEvent = z.infer<typeof eventSchema>;

async function lookUp(event: LookupEvent, ec2: Pick<EC2Client, 'send'>, region: string): Promise<CfnResponse> {
  // Nothing was created, so a delete has nothing to undo.
  if (event.RequestType === 'Delete') return { Status: 'SUCCESS', PhysicalResourceId: event.PhysicalResourceId };
  if (event.ResourceProperties.Region !== region)
    throw new Error(`asked for ${event.ResourceProperties.Region} but this function runs in ${region}`);
  const id = await findS3PrefixListId(ec2, region);
  return { Status: 'SUCCESS', PhysicalResourceId: id, Data: { PrefixListId: id } };
}

/**
 * Custom resource `Custom::RxdrS3PrefixList`: CloudFormation cannot name the S3 prefix list, so security
 * groups could only allow HTTPS to 0.0.0.0/0 for the gateway endpoint. This answers with the list's id.
 */
export async function answerS3PrefixListLookup(
  raw: unknown,
  ec2: Pick<EC2Client, 'send'>,
  region: string,
  logger: EngineLogger,
  put: typeof fetch = fetch,
): Promise<void> {
  await answerCloudFormation(
    raw,
    {
      schema: eventSchema,
      handle: (event) => lookUp(event, ec2, region),
      failedCreateId: 'rxdr-s3-prefix-list-failed',
    },
    logger,
    put,
  );
}
