import { availableParallelism } from 'node:os';
import type { DrillValidator } from '../../engines/drill/validator';
import { achievedRpoOf, evidenceCheckOf } from '../../engines/evidence/validation-check';
import { Manifest } from '../../engines/validation';
import { validateChunked } from '../../engines/validation/chunks/validate-chunked';

/** The validation engine as the drill's `DrillValidator`: the same engine and manifest in AWS and locally. */
export function engineValidator(
  manifest: Manifest,
  options: { rpoTargetSeconds?: number; statementTimeoutMs?: number; parallel?: number; chunkBytes?: number } = {},
): DrillValidator {
  return {
    validate: async ({ connection, recoveryPointTime }) => {
      const report = await validateChunked({
        url: connection.url,
        manifest,
        recoveryPointTime,
        rpoTargetSeconds: options.rpoTargetSeconds,
        statementTimeoutMs: options.statementTimeoutMs,
        concurrency: options.parallel,
        // The local cluster runs on this machine.
        serverCores: availableParallelism(),
        chunkBytes: options.chunkBytes,
      });
      return {
        passed: report.passed,
        achievedRpoSeconds: achievedRpoOf(report),
        checks: report.checks.map(evidenceCheckOf),
      };
    },
  };
}
