import { CreateDBInstanceCommand, CreateDBInstanceReadReplicaCommand, RDSClient, StopDBInstanceCommand } from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { route53Value } from '../../lambda/failover/aws-helpers';
import { Catalog as CatalogSchema, type Catalog } from '../../lambda/failover/catalog';
import type { StepDeps } from '../../lambda/failover/clients';
import { awsClients, tcpProbe } from '../../lambda/failover/handler';
import { ACCOUNT, createKey, createNetwork, PRIMARY, recordCalls, RECOVERY, type Network, type RecordedCall } from './moto';

/**
 * A tier-1 database's account in moto, as the failover and failback runbooks find it: the primary in us-east-1,
 * its encrypted cross-region read replica in us-west-2, the recovery network published by the standby stack,
 * the replicated credentials secret, the endpoint parameter and CNAME that clients follow, the evidence
 * bucket and the alerts topic. The runbook's clients are built exactly as its Lambda builds them.
 */
export interface RunbookWorld {
  readonly catalog: Catalog;
  readonly deps: StepDeps;
  readonly calls: RecordedCall[];
  readonly network: Network;
  readonly primaryNetwork: Network;
  readonly primaryHost: string;
  readonly zoneId: string;
}

export const RECORD = 'dispensing.db.rx.internal';
export const PARAMETER = '/rx/dispensing/endpoint';
export const SECRET = 'rxdr/dispensing';
export const BUCKET = 'rxdr-evidence';
export const NETWORK_PARAMETER = '/rxdr/prod/recovery-network';

const east = new RDSClient({ region: PRIMARY });
const west = new RDSClient({ region: RECOVERY });

export async function runbookWorld(): Promise<RunbookWorld> {
  const [primaryKeyArn, recoveryKeyArn] = [await createKey(PRIMARY), await createKey(RECOVERY)];
  const primaryNetwork = await createNetwork(east, PRIMARY, 'rxdr-db', '10.10');
  const network = await createNetwork(west, RECOVERY, 'rxdr-recovery-db', '10.20');
  const primary = await east.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'dispensing',
      Engine: 'postgres',
      DBInstanceClass: 'db.r6g.large',
      MasterUsername: 'rx',
      MasterUserPassword: 'not-a-real-password',
      AllocatedStorage: 20,
      BackupRetentionPeriod: 7,
      StorageEncrypted: true,
      KmsKeyId: primaryKeyArn,
      DBSubnetGroupName: primaryNetwork.subnetGroupName,
      VpcSecurityGroupIds: [primaryNetwork.securityGroupId],
    }),
  );
  await west.send(
    new CreateDBInstanceReadReplicaCommand({
      DBInstanceIdentifier: 'dispensing-replica',
      SourceDBInstanceIdentifier: primary.DBInstance?.DBInstanceArn,
      KmsKeyId: recoveryKeyArn,
      PubliclyAccessible: false,
      // No DBSubnetGroupName: moto looks a cross-region replica's subnet group up in the source region.
    }),
  );
  const primaryHost = primary.DBInstance?.Endpoint?.Address ?? '';
  const ssm = new SSMClient({ region: RECOVERY });
  await ssm.send(new PutParameterCommand({ Name: PARAMETER, Type: 'String', Value: primaryHost }));
  await ssm.send(new PutParameterCommand({ Name: NETWORK_PARAMETER, Type: 'String', Value: JSON.stringify({ subnetGroupName: network.subnetGroupName, securityGroupIds: [network.securityGroupId] }) }));
  const secret = await new SecretsManagerClient({ region: RECOVERY }).send(
    new CreateSecretCommand({ Name: SECRET, SecretString: JSON.stringify({ engine: 'postgres', username: 'rx_app', password: 'not-a-real-password', host: primaryHost, port: 5432, dbname: 'pharmacy' }) }),
  );
  const route53 = new Route53Client({ region: RECOVERY });
  const zone = await route53.send(new CreateHostedZoneCommand({ Name: 'db.rx.internal', CallerReference: 'rxdr-test' }));
  const zoneId = (zone.HostedZone?.Id ?? '').replace('/hostedzone/', '');
  await route53.send(
    new ChangeResourceRecordSetsCommand({ HostedZoneId: zoneId, ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: `${RECORD}.`, Type: 'CNAME', TTL: 30, ResourceRecords: [{ Value: primaryHost }] } }] } }),
  );
  await new S3Client({ region: RECOVERY }).send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: RECOVERY } }));
  const topic = await new SNSClient({ region: RECOVERY }).send(new CreateTopicCommand({ Name: 'rxdr-alerts' }));

  const catalog = CatalogSchema.parse({
    environment: 'prod',
    account: ACCOUNT,
    primaryRegion: PRIMARY,
    recoveryRegion: RECOVERY,
    recoveryKeyArn,
    primaryKeyArn,
    recoveryVaultName: 'rxdr-recovery',
    backupRestoreRoleArn: `arn:aws:iam::${ACCOUNT}:role/rxdr-restore`,
    evidenceBucket: BUCKET,
    topicArn: topic.TopicArn,
    validatorFunctionName: 'rxdr-validator',
    approvalParameterPrefix: '/rxdr/prod/approvals',
    writeFreezeParameterPrefix: '/rxdr/prod/write-freeze',
    toolVersion: '0.1.0',
    recoveryNetworkParameterName: NETWORK_PARAMETER,
    databases: [
      {
        name: 'dispensing',
        tier: 1,
        rtoSeconds: 3600,
        rpoSeconds: 300,
        defaultStrategy: 'promote-replica',
        primaryInstanceIdentifier: 'dispensing',
        replicaInstanceIdentifier: 'dispensing-replica',
        recoveredInstanceIdentifier: 'dispensing-recovered',
        failbackInstanceIdentifier: 'dispensing-failback',
        primarySubnetGroupName: primaryNetwork.subnetGroupName,
        primarySecurityGroupIds: [primaryNetwork.securityGroupId],
        repoint: { secretArn: secret.ARN, route53: { hostedZoneId: zoneId, recordName: RECORD, ttl: 30 }, parameterName: PARAMETER },
      },
    ],
  });
  const clients = awsClients(catalog);
  const calls = recordCalls(clients as unknown as Parameters<typeof recordCalls>[0]);
  return { catalog, deps: { catalog, clients, clock: { now: () => new Date() }, probe: tcpProbe }, calls, network, primaryNetwork, primaryHost, zoneId };
}

/** The disaster: the primary stops answering (moto: a stopped instance). */
export async function losePrimary(): Promise<void> {
  await east.send(new StopDBInstanceCommand({ DBInstanceIdentifier: 'dispensing' }));
}

/** Where clients are pointed now: CNAME, parameter, secret host (read from moto). */
export async function pointers(w: RunbookWorld): Promise<{ record?: string; parameter?: string; secret: Record<string, unknown> }> {
  const { clients } = w.deps;
  const parameter = (await clients.ssm.send(new GetParameterCommand({ Name: PARAMETER }))).Parameter?.Value;
  const secret = JSON.parse((await clients.secrets.send(new GetSecretValueCommand({ SecretId: SECRET }))).SecretString ?? '{}') as Record<string, unknown>;
  return { record: await route53Value(clients.route53, w.zoneId, RECORD), parameter, secret };
}

export async function evidenceAt(location: string): Promise<Record<string, unknown>> {
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(location) ?? [];
  const out = await new S3Client({ region: RECOVERY }).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse((await out.Body?.transformToString()) ?? '{}') as Record<string, unknown>;
}

export { east, west };
