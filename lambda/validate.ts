import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { databaseConfig, databaseInputSchema } from '../engines/validation/aws';
import { customCheckSchema } from '../engines/validation/checks/custom';
import { parseManifest } from '../engines/validation/manifest-schema';
import { parseInput, ValidationHandlerDeps } from '../engines/validation/lambda-commons';
import { powertoolsLogger } from '../engines/common/logger';
import { systemClock, ValidationReport } from '../engines/validation/types';
import { validateDatabase } from '../engines/validation/validator';

const s3Location = z.object({ bucket: z.string().min(1), key: z.string().min(1) });

/** The validator Lambda's input (what the drill and failover workflows send). */
export const validationInputSchema = z.object({
  database: databaseInputSchema,
  /** The manifest JSON in the evidence bucket (a given version of it: the one taken before the recovery point). */
  manifest: s3Location.extend({ versionId: z.string().min(1).optional() }),
  recoveryPointTime: z.iso.datetime({ offset: true }).optional(),
  rpoTargetSeconds: z.number().positive().optional(),
  checks: z.array(z.string().min(1)).optional(),
  customChecks: z.array(customCheckSchema).optional(),
  statementTimeoutMs: z.number().int().positive().max(900_000).optional(),
  /** Also write the report JSON here (the evidence bucket). */
  report: s3Location.optional(),
});
export type ValidationInput = z.infer<typeof validationInputSchema>;

/** The handler logic with its clients injected; the database connection always verifies the server (`rdsConnectionConfig`). */
export function createValidationHandler(deps: ValidationHandlerDeps) {
  return async (event: unknown): Promise<ValidationReport> => {
    const input = parseInput(validationInputSchema, event);
    const object = await deps.s3.send(
      new GetObjectCommand({
        Bucket: input.manifest.bucket,
        Key: input.manifest.key,
        VersionId: input.manifest.versionId,
      }),
    );
    const manifest = parseManifest((await object.Body?.transformToString()) ?? '');
    const connection = await databaseConfig(deps.secrets, input.database);
    deps.logger.info('validating', {
      host: connection.host,
      database: connection.database,
      manifest: input.manifest,
      checks: input.checks ?? 'all',
    });
    const report = await validateDatabase({
      url: connection,
      manifest,
      recoveryPointTime: input.recoveryPointTime ? new Date(input.recoveryPointTime) : undefined,
      rpoTargetSeconds: input.rpoTargetSeconds,
      checks: input.checks,
      customChecks: input.customChecks,
      statementTimeoutMs: input.statementTimeoutMs,
      clock: deps.clock,
      logger: deps.logger,
    });
    if (input.report) {
      await deps.s3.send(
        new PutObjectCommand({
          Bucket: input.report.bucket,
          Key: input.report.key,
          Body: JSON.stringify(report, null, 2),
          ContentType: 'application/json',
        }),
      );
    }
    deps.logger.info('validation report', {
      passed: report.passed,
      achievedRpoSeconds: report.achievedRpoSeconds,
      failed: report.checks.filter((c) => !c.passed).map((c) => c.name),
    });
    return report;
  };
}

const logger = powertoolsLogger('rxdr-validator');

/** Validator Lambda: TLS verified against `RDS_CA_BUNDLE`, credentials from Secrets Manager, manifest from S3. */
export const handler = createValidationHandler({
  s3: new S3Client({}),
  secrets: new SecretsManagerClient({}),
  clock: systemClock,
  logger,
});
