import type { BackupClient } from '@aws-sdk/client-backup';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { Route53Client } from '@aws-sdk/client-route-53';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Clock } from '../common/clock';
import type { Catalog } from './catalog';

/** The AWS clients the runbook steps use; the handler builds them once, tests inject mocked ones. */
export interface RunbookClients {
  /** RDS in the recovery region (replica, restores, the new primary). */
  readonly rdsRecovery: RDSClient;
  /** RDS in the primary region (primary health; the failback replica). */
  readonly rdsPrimary: RDSClient;
  readonly backup: BackupClient;
  readonly route53: Route53Client;
  /** SSM in the recovery region (endpoint parameter, approval tokens, write freeze). */
  readonly ssm: SSMClient;
  readonly secrets: SecretsManagerClient;
  readonly kms: KMSClient;
  readonly sns: SNSClient;
  readonly s3: S3Client;
  /** CloudWatch in the recovery region (replica lag of the cross-region replica). */
  readonly cloudwatch: CloudWatchClient;
  /** CloudWatch in the primary region (replica lag of the failback replica). */
  readonly cloudwatchPrimary: CloudWatchClient;
}

/** Opens a TCP connection to prove the endpoint accepts connections (no credentials, no query). */
export type ConnectivityProbe = (
  host: string,
  port: number,
) => Promise<{ readonly ok: boolean; readonly detail: string }>;

export interface StepDeps {
  readonly catalog: Catalog;
  readonly clients: RunbookClients;
  readonly clock: Pick<Clock, 'now'>;
  readonly probe: ConnectivityProbe;
}
