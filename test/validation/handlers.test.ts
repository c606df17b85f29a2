import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { buildManifest, silentLogger } from '../../engines/validation';
import { seedDatabase } from '../../lib/seed';
import { createValidationHandler } from '../../engines/validation/handler';
import { createManifestJobSteps } from '../../engines/validation/manifest-job';
import { inMemoryBucket, runManifestJob } from './manifest-job-run';
import { RDS_CA_BUNDLE_VARIABLE } from '../../engines/common/database-tls';
import { certificateDir, createCertificateAuthority, startTlsPostgres, TlsPostgres } from '../helpers/tls-postgres';

const END = new Date('2026-11-01T00:00:00Z');
const s3 = mockClient(S3Client);
const secrets = mockClient(SecretsManagerClient);
const SECRET = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:rxdr-db';
let manifestJson: string;
// The handlers connect only over verified TLS: a server with a private-CA certificate, trusted via RDS_CA_BUNDLE.
let certificates: Awaited<ReturnType<typeof certificateDir>>;
let server: TlsPostgres;
let database: string;

beforeAll(async () => {
  certificates = await certificateDir();
  const ca = await createCertificateAuthority(certificates.dir, 'rxdr-test-ca');
  process.env[RDS_CA_BUNDLE_VARIABLE] = ca.certFile;
  server = await startTlsPostgres(ca, { ip: ['127.0.0.1'] });
  database = await server.createDatabase('handler');
  await seedDatabase({ url: server.setupConfig(database), prescriptions: 200, seed: 5, endTime: END, historyDays: 10 });
  manifestJson = JSON.stringify(await buildManifest({ url: server.setupConfig(database), cutoff: END }));
});

afterAll(async () => {
  delete process.env[RDS_CA_BUNDLE_VARIABLE];
  await server?.stop();
  await certificates?.remove();
});

beforeEach(() => {
  s3.reset();
  secrets.reset();
  secrets.on(GetSecretValueCommand, { SecretId: SECRET }).resolves({
    SecretString: JSON.stringify({
      username: server.user,
      password: server.password,
      host: server.host,
      port: server.port,
      dbname: database,
    }),
  });
});

const deps = () => ({
  s3: new S3Client({}),
  secrets: new SecretsManagerClient({}),
  clock: { now: () => new Date('2026-11-01T00:01:00Z') },
  logger: silentLogger,
});
/** The job as its state machine runs it: plan, every chunk, finish. */
const createManifestHandler =
  (d: Parameters<typeof createManifestJobSteps>[0]) =>
  (input: unknown): ReturnType<typeof runManifestJob> =>
    runManifestJob(createManifestJobSteps(d), input);
const body = (text: string) => ({ Body: { transformToString: async () => text } }) as never;

describe('validator Lambda handler', () => {
  test('reads the manifest from S3 and credentials from Secrets Manager, validates, and writes the report', async () => {
    s3.on(GetObjectCommand, { Bucket: 'evidence', Key: 'manifests/pharmacy.json' }).resolves(body(manifestJson));
    const report = await createValidationHandler(deps())({
      database: { secretArn: SECRET },
      manifest: { bucket: 'evidence', key: 'manifests/pharmacy.json' },
      recoveryPointTime: END.toISOString(),
      report: { bucket: 'evidence', key: 'reports/drill-1.json' },
    });
    expect(report.passed).toBe(true);
    expect(report.achievedRpoSeconds).toBe(0);
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({ Bucket: 'evidence', Key: 'reports/drill-1.json', ContentType: 'application/json' });
    expect(JSON.parse(String(put?.Body)).passed).toBe(true);
  });

  test('rejects invalid input before touching AWS or the database', async () => {
    await expect(
      createValidationHandler(deps())({ database: {}, manifest: { bucket: 'b' }, recoveryPointTime: 'yesterday' }),
    ).rejects.toThrow(/invalid input: database\.secretArn: .*manifest\.key: .*recoveryPointTime/);
    expect(s3.calls()).toHaveLength(0);
    expect(secrets.calls()).toHaveLength(0);
  });

  test('a malformed manifest or a secret without credentials fails with a clear message', async () => {
    s3.on(GetObjectCommand).resolves(body('{"format":"other"}'));
    await expect(
      createValidationHandler(deps())({ database: { secretArn: SECRET }, manifest: { bucket: 'b', key: 'k' } }),
    ).rejects.toThrow(/not a valid rxdr manifest/);
    s3.on(GetObjectCommand).resolves(body(manifestJson));
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '{"user":"x"}' });
    await expect(
      createValidationHandler(deps())({ database: { secretArn: SECRET }, manifest: { bucket: 'b', key: 'k' } }),
    ).rejects.toThrow(/not an RDS-format JSON secret/);
  });
});

describe('manifest Lambda handler', () => {
  test('builds the manifest and writes it where drills read it (manifests/<name>.json)', async () => {
    inMemoryBucket(s3);
    const result = await createManifestHandler({ ...deps(), bucket: 'evidence' })({
      name: 'pharmacy',
      database: { secretArn: SECRET },
      cutoff: END.toISOString(),
    });
    expect(result).toMatchObject({
      bucket: 'evidence',
      key: 'manifests/pharmacy.json',
      cutoff: END.toISOString(),
      tables: 12,
    });
    const written = JSON.parse(String(s3.commandCalls(PutObjectCommand).at(-1)?.args[0].input.Body));
    expect(written.tables).toEqual(JSON.parse(manifestJson).tables);
  });

  test('needs a bucket and a valid name', async () => {
    await expect(createManifestHandler(deps())({ name: 'pharmacy', database: { secretArn: SECRET } })).rejects.toThrow(
      /no evidence bucket/,
    );
    await expect(
      createManifestHandler({ ...deps(), bucket: 'b' })({ name: '../x', database: { secretArn: SECRET } }),
    ).rejects.toThrow(/invalid input: name/);
  });

  test('describes the configured tables and, for an adopted database, fails naming what pgaudit lacks', async () => {
    inMemoryBucket(s3);
    const run = createManifestHandler({ ...deps(), bucket: 'evidence' })({
      name: 'claims',
      database: { secretArn: SECRET },
      cutoff: END.toISOString(),
      selection: { include: ['pharmacy.claim*', 'pharmacy.patient'], cutoffColumns: { 'pharmacy.patient': '' } },
      requirePgaudit: true,
    });
    await expect(run).rejects.toThrow(
      'claims: pgaudit is not in place: missing pgaudit in shared_preload_libraries (parameter group); ' +
        'the pgaudit extension (CREATE EXTENSION pgaudit); the rds_pgaudit role (CREATE ROLE rds_pgaudit) ' +
        '(the manifest was written)',
    );
    const written = JSON.parse(String(s3.commandCalls(PutObjectCommand).at(-1)?.args[0].input.Body)) as {
      tables: { table: string; cutoffColumn?: string }[];
      discovery: { include: string[] };
    };
    expect(written.tables.map((t) => t.table).sort()).toEqual(['claim', 'patient']);
    expect(written.tables.find((t) => t.table === 'patient')?.cutoffColumn).toBeUndefined();
    expect(written.discovery.include).toEqual(['pharmacy.claim*', 'pharmacy.patient']);
  });
});
