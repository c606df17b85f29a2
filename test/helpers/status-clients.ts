import { BackupClient } from '@aws-sdk/client-backup';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';

/** Every AWS client `rxdr status` reads through (vaults, lag, evidence, identity, databases, keys), mocked. */
export function mockStatusClients() {
  return {
    backup: mockClient(BackupClient),
    cloudwatch: mockClient(CloudWatchClient),
    s3: mockClient(S3Client),
    sts: mockClient(STSClient),
    rds: mockClient(RDSClient),
    kms: mockClient(KMSClient),
  };
}
