import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { databaseConfig, databaseInputSchema } from './aws';
import { customCheckSchema } from './checks/custom';
import { parseManifest } from './manifest-schema';
import { parseInput, ValidationHandlerDeps } from './lambda-commons';
import { ValidationReport } from './types';
import { validateDatabase } from './validator';
import type { CheckSettings } from './check-settings';

/* The validator Lambda's logic: input, manifest from S3, validation, report to S3 (lambda/validate.ts). */

const s3Location = z.object({ bucket: z.string().min(1), key: z.string().min(1) });

/** The validator Lambda's input (what the drill and failover workflows send). */
export const validationInputSchema = z.object({
  database: databaseInputSchema,
  /** The database's name in rxdr config: its configured checks, custom checks and invariant mappings apply. */
  databaseName: z.string().min(1).optional(),
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
export function createValidationHandler(
  deps: ValidationHandlerDeps & { checkSettings?: (database: string) => CheckSettings },
) {
  return async (event: unknown): Promise<ValidationReport> => {
    const input = parseInput(validationInputSchema, event);
    const settings = input.databaseName ? (deps.checkSettings?.(input.databaseName) ?? {}) : {};
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
      checks: input.checks ?? settings.checks ?? 'all',
    });
    const report = await validateDatabase({
      url: connection,
      manifest,
      recoveryPointTime: input.recoveryPointTime ? new Date(input.recoveryPointTime) : undefined,
      rpoTargetSeconds: input.rpoTargetSeconds,
      checks: input.checks ?? settings.checks,
      customChecks: input.customChecks ?? settings.customChecks,
      invariants: settings.invariants,
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
