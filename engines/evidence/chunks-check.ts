import type { ValidationReport } from '../validation/types';
import type { EvidenceCheck } from './schema';

/**
 * The `validation-chunks` evidence check of a chunked validation: how many chunks, how many at a time, which
 * differed (their key ranges), where the work was kept; `bytes` (the planned size) lets the next run predict
 * its validation time. The drill and the failover record it alike
 * (in the category of the other restore-level checks, as `manifestUsedCheck`). A drill adds the prediction its
 * Plan task made before the restore, saying when it came from defaults (a first drill).
 */
export function chunksCheck(
  report: Pick<ValidationReport, 'chunks'>,
  prefix: string,
  bytes: number,
  prediction?: { readonly description: string; readonly fit: object },
): EvidenceCheck {
  const chunks = report.chunks ?? { planned: 0, parallel: 0, mismatched: [] };
  const differing = chunks.mismatched.length ? `; differing: ${chunks.mismatched.join(', ')}` : '';
  const predicted = prediction ? `; ${prediction.description}` : '';
  return {
    id: 'validation-chunks',
    category: 'drill',
    status: chunks.mismatched.length ? 'failed' : 'passed',
    message: `${chunks.planned} chunks, ${chunks.parallel} at a time${differing}${predicted}`,
    details: { ...chunks, prefix, bytes, ...(prediction ? { prediction: prediction.fit } : {}) },
  };
}
