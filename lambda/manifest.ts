import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { powertoolsLogger } from '../engines/common/logger';
import { createManifestJobSteps } from '../engines/validation/manifest-job';
import { systemClock } from '../engines/validation/types';

/*
 * The scheduled manifest job's three functions (one bundle): `plan` (PlanManifest), `chunk` (one iteration of
 * the DescribeChunks Map) and `finish` (FinishManifest: combine, pharmacy section, write the manifest).
 */
const s3 = new S3Client({});
const secrets = new SecretsManagerClient({});
const logger = powertoolsLogger('rxdr-manifest');
const steps = () =>
  createManifestJobSteps({ s3, secrets, clock: systemClock, logger, bucket: process.env.EVIDENCE_BUCKET });

export const plan = (event: unknown) => steps().plan(event);
export const chunk = (event: unknown) => steps().chunk(event);
export const finish = (event: unknown) => steps().finish(event);
