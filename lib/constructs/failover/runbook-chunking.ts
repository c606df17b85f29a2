import type { ValidationSettings } from '../../config/validation-settings';
import type { RunbookDatabase } from './failover-runbooks';

/** The failover's chunked validation of a database, from its `validation` settings (defaults when absent). */
export function chunkingOf(validation?: ValidationSettings): Pick<RunbookDatabase, 'chunking'> {
  if (!validation?.parallelism && !validation?.chunkSizeMb) return {};
  return {
    chunking: {
      ...(validation.parallelism ? { parallelism: validation.parallelism } : {}),
      ...(validation.chunkSizeMb ? { chunkBytes: validation.chunkSizeMb * 1024 ** 2 } : {}),
    },
  };
}
