import { GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { manifestBefore } from '../../../engines/common/manifest-before';
import { manifestKey } from '../../../engines/common/manifest-key';
import { createManifestJobSteps } from '../../../engines/validation/manifest-job';
import { inMemoryBucket, runManifestJob } from '../../validation/manifest-job-run';
import { manifestAt } from '../../helpers/manifest-at';
import { useThrowawayCaBundle } from '../../helpers/tls-postgres';

jest.mock('../../../engines/validation/chunks/manifest', () => ({
  planManifest: jest.fn(async () => ({ chunks: [] })),
  describePlannedPharmacy: jest.fn(async () => undefined),
  assembleManifest: jest.fn(() => manifestAt('rx', '2026-10-31T03:29:00Z')),
}));

// The manifest job's environment as the construct sets it: the handler builds its verified TLS config first.
useThrowawayCaBundle();

const s3 = mockClient(S3Client);
const secrets = mockClient(SecretsManagerClient);
afterEach(() => {
  s3.reset();
  secrets.reset();
});
afterAll(() => {
  s3.restore();
  secrets.restore();
});

const body = (value: unknown) => ({ Body: { transformToString: async () => JSON.stringify(value) } }) as never;

describe('manifest key contract: the job writes where the drill reads', () => {
  test('the scheduled manifest handler writes manifestKey(name) to the evidence bucket', async () => {
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ username: 'u', password: 'p', host: 'primary.example' }) });
    inMemoryBucket(s3 as never);
    const steps = createManifestJobSteps({
      s3: new S3Client({}),
      secrets: new SecretsManagerClient({}),
      clock: { now: () => new Date('2026-10-31T03:30:00Z') },
      logger: { info: () => {}, warn: () => {}, error: () => {} },
      bucket: 'evidence',
    } as never);
    const result = await runManifestJob(steps, {
      name: 'dispensing',
      database: { secretArn: 'rxdr/dev/dispensing/credentials', host: 'replica.example', port: 5432 },
      statementTimeoutMs: 600_000,
    });
    expect(result.key).toBe(manifestKey('dispensing'));
    expect(s3.commandCalls(PutObjectCommand).at(-1)!.args[0].input).toMatchObject({
      Bucket: 'evidence',
      Key: manifestKey('dispensing'),
    });
  });

  describe('the drill picks the newest manifest version taken before its recovery point', () => {
    const versions = [
      { id: 'v3', written: '2026-11-01T03:31:00Z', cutoff: '2026-11-01T03:29:00Z' },
      { id: 'v2', written: '2026-10-31T03:31:00Z', cutoff: '2026-10-31T03:29:00Z' },
      { id: 'v1', written: '2026-10-30T03:31:00Z', cutoff: '2026-10-30T03:29:00Z' },
    ];
    beforeEach(() => {
      s3.on(ListObjectVersionsCommand).resolves({
        Versions: versions.map((v) => ({
          Key: manifestKey('dispensing'),
          VersionId: v.id,
          LastModified: new Date(v.written),
        })),
      });
      for (const v of versions) s3.on(GetObjectCommand, { VersionId: v.id }).resolves(body(manifestAt('rx', v.cutoff)));
    });

    test('a recovery point of 31 Oct 04:00 validates against the 31 Oct manifest, not the newer one', async () => {
      const manifest = await manifestBefore(
        new S3Client({}),
        'evidence',
        'dispensing',
        new Date('2026-10-31T04:00:00Z'),
      );
      expect(manifest.cutoff).toBe('2026-10-31T03:29:00Z');
      expect(s3.commandCalls(ListObjectVersionsCommand)[0]!.args[0].input).toMatchObject({
        Bucket: 'evidence',
        Prefix: manifestKey('dispensing'),
      });
      expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.VersionId)).toEqual(['v2']);
    });

    test('no manifest before the recovery point: a clear error naming the key and what writes it', async () => {
      await expect(
        manifestBefore(new S3Client({}), 'evidence', 'dispensing', new Date('2026-10-29T04:00:00Z')),
      ).rejects.toThrow(
        /no manifest of dispensing taken before the recovery point 2026-10-29T04:00:00.000Z in s3:\/\/evidence\/manifests\/dispensing\.json \(3 versions found\).*rxdr manifest/,
      );
    });
  });
});
