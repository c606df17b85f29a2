import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import * as path from 'node:path';
import { Client } from 'pg';
import type { DrillItemInput } from '../../engines/drill/aws/types';
import { drill as drillValidate } from '../../lambda/validate';
import { RDS_CA_BUNDLE_VARIABLE } from '../../engines/common/database-tls';
import { buildManifest } from '../../engines/validation';
import { seedDatabase } from '../../lib/seed';
import { handler as failoverValidator } from '../../lambda/validate';
import * as manifestJob from '../../lambda/manifest';
import { inMemoryBucket, runManifestJob } from './manifest-job-run';
import { certificateDir, createCertificateAuthority, startTlsPostgres } from '../helpers/tls-postgres';
import type { TestCertificateAuthority, TlsPostgres } from '../helpers/tls-postgres';

/**
 * Every database connection made from AWS code (the drill's Validate function, the failover validator, the
 * manifest job) runs here as its Lambda handler, configured as the construct configures it (`RDS_CA_BUNDLE`
 * names the CA file), against PostgreSQL that requires TLS and serves a certificate from a private CA this
 * test creates: the same situation as RDS behind the Lambda runtime's Amazon CA bundle.
 */

const END = new Date('2026-11-01T00:00:00Z');
const SECRET = 'arn:aws:secretsmanager:us-west-2:111111111111:secret:rxdr-dispensing-AbCdEf';
const EXECUTION = 'arn:aws:states:us-west-2:111111111111:execution:rxdr-drill:run-1';
const INSTANCE = 'rxdr-drill-dispensing-0123456789';
const BUCKET = 'evidence';

const s3 = mockClient(S3Client);
const secrets = mockClient(SecretsManagerClient);
const rds = mockClient(RDSClient);

let certificates: { dir: string; remove: () => Promise<void> };
let ca: TestCertificateAuthority;
let otherCa: TestCertificateAuthority;
/** Its certificate names 127.0.0.1, where the test connects. */
let server: TlsPostgres;
/** Its certificate (from the right CA) names another host. */
let elsewhere: TlsPostgres;
let database: string;
let manifestJson: string;

beforeAll(async () => {
  certificates = await certificateDir();
  ca = await createCertificateAuthority(certificates.dir, 'rxdr-test-rds-ca');
  otherCa = await createCertificateAuthority(certificates.dir, 'unrelated-ca');
  server = await startTlsPostgres(ca, { ip: ['127.0.0.1'] });
  elsewhere = await startTlsPostgres(ca, { dns: ['db.elsewhere.example'] });
  database = await server.createDatabase('tls');
  await seedDatabase({ url: server.setupConfig(database), prescriptions: 100, seed: 3, endTime: END, historyDays: 5 });
  manifestJson = JSON.stringify(await buildManifest({ url: server.setupConfig(database), cutoff: END }));
});

afterAll(async () => {
  await server?.stop();
  await elsewhere?.stop();
  await certificates?.remove();
});

const savedCaBundle = process.env[RDS_CA_BUNDLE_VARIABLE];
afterEach(() => {
  if (savedCaBundle === undefined) delete process.env[RDS_CA_BUNDLE_VARIABLE];
  else process.env[RDS_CA_BUNDLE_VARIABLE] = savedCaBundle;
});

/** AWS as each function sees it: the secret, the manifest, and (drill) the restored instance's endpoint. */
function awsPointingAt(target: TlsPostgres): void {
  s3.reset();
  secrets.reset();
  rds.reset();
  const { user: username, password, host, port } = target;
  const secret = { username, password, host, port, dbname: database };
  secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(secret) });
  const body = { transformToString: async () => manifestJson } as never;
  s3.on(GetObjectCommand).resolves({ Body: body });
  const version = { Key: 'manifests/dispensing.json', VersionId: 'v1', LastModified: END, IsLatest: true };
  s3.on(ListObjectVersionsCommand).resolves({ Versions: [version] });
  s3.on(PutObjectCommand).resolves({});
  rds.on(DescribeDBInstancesCommand).resolves({
    DBInstances: [
      {
        DBInstanceIdentifier: INSTANCE,
        DBInstanceStatus: 'available',
        Endpoint: { Address: target.host, Port: target.port },
        TagList: [{ Key: 'rxdr:drill', Value: EXECUTION }],
      },
    ],
  });
}

/** The drill item as the state machine hands it to Validate once the restored instance is available. */
function validateEvent(): DrillItemInput {
  const input = {
    drillId: 'run-1-dispensing',
    environment: 'prod',
    database: 'dispensing',
    tier: 1 as const,
    targets: { rtoSeconds: 3600, rpoSeconds: 86_400 },
    selector: { kind: 'latest' as const },
    startedBy: 'schedule:weekly',
    toolVersion: '0.1.0',
    restoreTimeoutSeconds: 7200,
  };
  const source = {
    id: 'arn:aws:backup:us-west-2:111111111111:recovery-point:rp-1',
    kind: 'snapshot',
    recoveryPointTime: END.toISOString(),
    sourceDatabase: 'dispensing',
  };
  const drill = {
    input,
    startedAt: '2026-11-01T06:00:00.000Z',
    source,
    restore: {
      handle: { id: INSTANCE, details: {} },
      startedAt: '2026-11-01T06:00:10.000Z',
      status: 'available',
      polls: 3,
      nextPollSeconds: 60,
    },
    available: { at: '2026-11-01T06:40:00.000Z', target: { kind: 'rds-instance', id: INSTANCE }, checks: [] },
  };
  return {
    drill: drill as unknown as DrillItemInput['drill'],
    database: {
      name: 'dispensing',
      tierName: 'critical',
      tier: 1,
      targets: { rtoSeconds: 3600, rpoSeconds: 86_400 },
      source: 'backup',
      sourceArn: 'arn:aws:rds:us-east-1:111111111111:db:dispensing',
      secretId: SECRET,
      databaseName: 'postgres',
    },
    run: { executionId: EXECUTION, executionName: 'run-1' },
    expect: {},
    wait: { seconds: 0 },
  };
}

const DRILL_ENVIRONMENT = {
  RXDR_VAULT_NAME: 'rxdr-recovery',
  RXDR_RESTORE_ROLE_ARN: 'arn:aws:iam::111111111111:role/rxdr-restore',
  RXDR_DRILL_SUBNET_GROUP: 'rxdr-drill',
  RXDR_DRILL_SECURITY_GROUP_IDS: 'sg-0123456789abcdef0',
  RXDR_RECOVERY_KEY_ARN: 'arn:aws:kms:us-west-2:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  RXDR_DRILL_INSTANCE_CLASS: 'db.t4g.medium',
  RXDR_EVIDENCE_BUCKET: BUCKET,
};
Object.assign(process.env, DRILL_ENVIRONMENT);

type Outcome = { ok: true } | { ok: false; message: string };

/** Each AWS function that connects to a database, run through its Lambda handler; a passed validation is ok. */
const functions: Record<string, () => Promise<Outcome>> = {
  'drill Validate': async () => {
    const result = await drillValidate(validateEvent());
    const drill = result.drill as { failure?: { reason: string }; validation?: { passed: boolean } };
    if (drill.failure) return { ok: false, message: drill.failure.reason };
    return drill.validation?.passed ? { ok: true } : { ok: false, message: 'validation failed' };
  },
  'failover validator': async () => {
    try {
      const report = await failoverValidator({
        database: { secretArn: SECRET },
        manifest: { bucket: BUCKET, key: 'manifests/dispensing.json' },
        recoveryPointTime: END.toISOString(),
      });
      return 'passed' in report && report.passed ? { ok: true } : { ok: false, message: 'validation failed' };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  },
  'manifest job': async () => {
    try {
      const event = { name: 'dispensing', database: { secretArn: SECRET }, bucket: BUCKET, cutoff: END.toISOString() };
      inMemoryBucket(s3 as never); // the job keeps its chunk plan and results in the bucket
      process.env.EVIDENCE_BUCKET = BUCKET; // as the construct sets it
      const result = await runManifestJob(manifestJob, event);
      return result.tables > 0 ? { ok: true } : { ok: false, message: 'empty manifest' };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  },
};
const names = Object.keys(functions);
const run = (name: string) => functions[name]!();
const failsWith = (pattern: RegExp) => ({ ok: false, message: expect.stringMatching(pattern) });

describe('one verified TLS path to databases', () => {
  test('the test server refuses connections without TLS (as RDS with rds.force_ssl)', async () => {
    const client = new Client({ ...server.setupConfig(database), ssl: false });
    await expect(client.connect()).rejects.toThrow(/no encryption/);
    await client.end().catch(() => undefined);
  });

  test.each(names)('%s: verifies the server with the CA bundle RDS_CA_BUNDLE names, and validates', async (name) => {
    awsPointingAt(server);
    process.env[RDS_CA_BUNDLE_VARIABLE] = ca.certFile;
    await expect(run(name)).resolves.toEqual({ ok: true });
  });

  test.each(names)('%s: without RDS_CA_BUNDLE it refuses to connect and says so', async (name) => {
    awsPointingAt(server);
    delete process.env[RDS_CA_BUNDLE_VARIABLE];
    const outcome = await run(name);
    expect(outcome).toEqual(failsWith(/RDS_CA_BUNDLE is not set: cannot verify the database server's certificate/));
  });

  test.each(names)('%s: a CA bundle file that does not exist is named with the reason', async (name) => {
    awsPointingAt(server);
    process.env[RDS_CA_BUNDLE_VARIABLE] = path.join(certificates.dir, 'missing.pem');
    const outcome = await run(name);
    expect(outcome).toEqual(failsWith(/cannot read the CA bundle RDS_CA_BUNDLE=.*missing\.pem \(ENOENT\)/));
  });

  test.each(names)('%s: a certificate from a CA outside the bundle is "not trusted", naming it', async (name) => {
    awsPointingAt(server);
    process.env[RDS_CA_BUNDLE_VARIABLE] = otherCa.certFile;
    const outcome = await run(name);
    expect(outcome).toEqual(failsWith(/server certificate not trusted \(.+\); the connection trusts only/));
    expect(outcome).toEqual(failsWith(/RDS_CA_BUNDLE=.*unrelated-ca\.pem/));
  });

  test.each(names)('%s: a trusted certificate for another host name is refused', async (name) => {
    awsPointingAt(elsewhere);
    process.env[RDS_CA_BUNDLE_VARIABLE] = ca.certFile;
    const outcome = await run(name);
    expect(outcome).toEqual(failsWith(/server certificate does not name the host connected to \(.*127\.0\.0\.1.*\)/));
  });
});
