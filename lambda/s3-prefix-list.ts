import { EC2Client } from '@aws-sdk/client-ec2';
import { powertoolsLogger } from '../engines/common/logger';
import { answerS3PrefixListLookup } from '../engines/network/s3-prefix-list';

/* Custom::RxdrS3PrefixList: the region's S3 prefix list id, for security groups that reach the S3 gateway endpoint. */
const ec2 = new EC2Client({ maxAttempts: 5 });
const logger = powertoolsLogger('rxdr-s3-prefix-list');

export async function handler(event: unknown): Promise<void> {
  await answerS3PrefixListLookup(event, ec2, process.env.AWS_REGION ?? '', logger);
}
