import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { powertoolsLogger } from '../engines/common/logger';
import { createManifestHandler } from '../engines/validation/manifest-job';
import { systemClock } from '../engines/validation/types';

/* The scheduled manifest job (logic in engines/validation/manifest-job.ts). */
export { createManifestHandler, manifestInputSchema } from '../engines/validation/manifest-job';
export type { ManifestJobResult } from '../engines/validation/manifest-job';

export const handler = createManifestHandler({
  s3: new S3Client({}),
  secrets: new SecretsManagerClient({}),
  clock: systemClock,
  logger: powertoolsLogger('rxdr-manifest'),
  bucket: process.env.EVIDENCE_BUCKET,
});
