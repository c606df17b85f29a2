import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  CreateDBSubnetGroupCommand,
  type CreateDBInstanceCommandInput,
  type CreateDBInstanceCommandOutput,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  type DBInstance,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsDrillSettings } from '../../engines/drill/aws/restore-provider-base';
import { ACCOUNT } from './setup/moto-server';

export { ACCOUNT };
export const PRIMARY = 'us-east-1';
export const RECOVERY = 'us-west-2';

/** The moto server the global setup started. */
export function motoUrl(): string {
  const url = process.env.RXDR_MOTO_URL;
  if (!url)
    throw new Error('RXDR_MOTO_URL is not set: run this suite with `npm run test:aws-api` (it starts moto_server)');
  return url;
}

/** Forget every resource: each test starts from an empty account. */
export async function resetMoto(): Promise<void> {
  const response = await fetch(`${motoUrl()}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto reset answered ${response.status}`);
}

/** One Query API call of a service the project has no SDK client for (EC2, IAM); moto checks no signature. */
export async function query(service: 'ec2' | 'iam', region: string, params: Record<string, string>): Promise<string> {
  const response = await fetch(motoUrl(), {
    method: 'POST',
    body: new URLSearchParams({ Version: service === 'ec2' ? '2016-11-15' : '2010-05-08', ...params }).toString(),
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization:
        `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/${service}/aws4_request, ` +
        'SignedHeaders=host, Signature=0',
    },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${service} ${params.Action} failed: ${text.slice(0, 500)}`);
  return text;
}

const ec2 = (region: string, params: Record<string, string>) => query('ec2', region, params);

const field = (xml: string, name: string) => {
  const value = new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1];
  if (!value) throw new Error(`no ${name} in ${xml.slice(0, 300)}`);
  return value;
};

export interface Network {
  readonly vpcId: string;
  readonly subnetGroupName: string;
  readonly securityGroupId: string;
}

/** An isolated network: its own VPC, two subnets, a DB subnet group and a security group. */
export async function createNetwork(rds: RDSClient, region: string, name: string, cidr: string): Promise<Network> {
  const vpcId = field(await ec2(region, { Action: 'CreateVpc', CidrBlock: `${cidr}.0.0/16` }), 'vpcId');
  const subnets = [];
  for (const [index, zone] of ['a', 'b'].entries()) {
    const xml = await ec2(region, {
      Action: 'CreateSubnet',
      VpcId: vpcId,
      CidrBlock: `${cidr}.${index}.0/24`,
      AvailabilityZone: `${region}${zone}`,
    });
    subnets.push(field(xml, 'subnetId'));
  }
  const securityGroupId = field(
    await ec2(region, { Action: 'CreateSecurityGroup', GroupName: name, GroupDescription: name, VpcId: vpcId }),
    'groupId',
  );
  await rds.send(
    new CreateDBSubnetGroupCommand({ DBSubnetGroupName: name, DBSubnetGroupDescription: name, SubnetIds: subnets }),
  );
  return { vpcId, subnetGroupName: name, securityGroupId };
}

/**
 * What a drill of database `name` needs in the recovery region besides the source: the database's secret
 * (`rxdr/<name>`), the drill network, and the drill settings restoring there on `recoveryKey` as `instanceClass`.
 */
export async function drillRecoverySide(
  clients: { rds: RDSClient; secrets: SecretsManagerClient },
  name: string,
  recoveryKey: string,
  instanceClass: string,
): Promise<{ network: Network; settings: AwsDrillSettings }> {
  await clients.secrets.send(
    new CreateSecretCommand({
      Name: `rxdr/${name}`,
      SecretString: JSON.stringify({ username: 'rx', password: 'not-a-real-password' }),
    }),
  );
  const network = await createNetwork(clients.rds, RECOVERY, 'rxdr-drill', '10.40');
  const settings: AwsDrillSettings = {
    vaultName: 'rxdr-recovery',
    restoreRoleArn: `arn:aws:iam::${ACCOUNT}:role/rxdr-restore`,
    subnetGroupName: network.subnetGroupName,
    securityGroupIds: [network.securityGroupId],
    kmsKeyArn: recoveryKey,
    instanceClass,
  };
  return { network, settings };
}

export async function createKey(region: string): Promise<string> {
  const key = await new KMSClient({ region }).send(new CreateKeyCommand({ Description: `rxdr test key ${region}` }));
  return key.KeyMetadata?.Arn ?? '';
}

/** A backed-up, encrypted PostgreSQL primary as the drill and runbook worlds start from; `input` adds the rest. */
export function createPrimaryInstance(
  rds: RDSClient,
  input: Partial<CreateDBInstanceCommandInput> & { DBInstanceIdentifier: string },
): Promise<CreateDBInstanceCommandOutput> {
  return rds.send(
    new CreateDBInstanceCommand({
      Engine: 'postgres',
      DBInstanceClass: 'db.r6g.large',
      MasterUsername: 'rx',
      MasterUserPassword: 'not-a-real-password',
      AllocatedStorage: 20,
      BackupRetentionPeriod: 7,
      StorageEncrypted: true,
      ...input,
    }),
  );
}

/**
 * The primary's private, encrypted cross-region read replica `dispensing-replica`. No DBSubnetGroupName: moto
 * looks a cross-region replica's subnet group up in the source region.
 */
export async function createDispensingReplica(rds: RDSClient, sourceArn: string, keyArn: string): Promise<void> {
  await rds.send(
    new CreateDBInstanceReadReplicaCommand({
      DBInstanceIdentifier: 'dispensing-replica',
      SourceDBInstanceIdentifier: sourceArn,
      KmsKeyId: keyArn,
      PubliclyAccessible: false,
    }),
  );
}

/** Every instance of a region, by identifier. */
export async function instances(rds: RDSClient): Promise<Map<string, DBInstance>> {
  const out = await rds.send(new DescribeDBInstancesCommand({}));
  return new Map((out.DBInstances ?? []).map((i) => [i.DBInstanceIdentifier ?? '', i]));
}

/**
 * An instance as moto describes it, without the fields moto recomputes on every describe call
 * (`LatestRestorableTime`): what "nothing touched" compares.
 */
export async function snapshotOf(rds: RDSClient, identifier: string): Promise<unknown> {
  const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
  const instance: Record<string, unknown> = { ...out.DBInstances?.[0] };
  delete instance.LatestRestorableTime;
  return instance;
}

/** Manual snapshots (a final snapshot is one): automated ones come and go with the instances. */
export async function manualSnapshots(rds: RDSClient): Promise<string[]> {
  const out = await rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }));
  return (out.DBSnapshots ?? []).map((s) => `${s.DBSnapshotIdentifier} of ${s.DBInstanceIdentifier}`);
}

export const tagsOf = (instance: DBInstance | undefined) =>
  Object.fromEntries((instance?.TagList ?? []).map((t) => [t.Key, t.Value]));

export interface RecordedCall {
  /** The client's name in the map given to `recordCalls` (e.g. `rdsPrimary`). */
  readonly client: string;
  readonly region: string;
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** Calls that change AWS state (every AWS mutating API starts with one of these verbs). */
export const MUTATING =
  /^(Add|Associate|Attach|Cancel|Change|Copy|Create|Delete|Disable|Enable|Failover|Invoke|Modify|Promote|Publish|Put|Reboot|Remove|Restore|Send|Start|Stop|Switchover|Tag|Untag|Update)/;

/**
 * Record every command the given SDK clients send (name, region, input) with a middleware on each client, the
 * way the clients are built by the code under test. What a dry run may and may not call is asserted on this.
 */
export function recordCalls(
  clients: Record<string, { middlewareStack: unknown; config: { region: unknown } }>,
): RecordedCall[] {
  const calls: RecordedCall[] = [];
  for (const [name, client] of Object.entries(clients)) {
    const stack = client.middlewareStack as { add: (mw: unknown, options: { step: string; name: string }) => void };
    stack.add(
      (next: (args: { input: Record<string, unknown> }) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: { input: Record<string, unknown> }) => {
          const region =
            typeof client.config.region === 'function'
              ? await (client.config.region as () => Promise<string>)()
              : String(client.config.region);
          calls.push({
            client: name,
            region,
            command: (context.commandName ?? '?').replace(/Command$/, ''),
            input: args.input,
          });
          return next(args);
        },
      { step: 'initialize', name: 'rxdrRecordCalls' },
    );
  }
  return calls;
}

/**
 * Whether an error is moto saying it does not implement an action (it answers 500 with an HTML page, which the
 * SDK cannot parse, or a NotImplemented error).
 */
export function isNotImplemented(error: unknown): boolean {
  const e = error as { $metadata?: { httpStatusCode?: number }; message?: string; name?: string };
  return (
    e.$metadata?.httpStatusCode === 500 ||
    /Deserialization error|not been implemented|NotImplemented/i.test(`${e.name ?? ''} ${e.message ?? ''}`)
  );
}

/** Call an API moto lacks; fails (telling to update this suite) once moto implements it. */
export async function expectNotImplemented(api: string, call: () => Promise<unknown>): Promise<void> {
  let error: unknown;
  try {
    await call();
  } catch (caught) {
    error = caught;
  }
  if (error === undefined)
    throw new Error(`moto now implements ${api}: run the real step through it and remove this note`);
  if (!isNotImplemented(error))
    throw new Error(`${api} failed in moto, but not as "not implemented": ${String(error)}`);
  console.log(`not implemented by moto: ${api}`);
}
