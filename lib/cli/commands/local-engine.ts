import { AURORA_POSTGRESQL, type LocalEngine } from '../../local/local-engines';
import { UsageError } from '../errors';

/** The flags that say which engine a local failover or game day rehearses. */
export interface LocalEngineFlags {
  engine?: LocalEngine;
  clientsUseGlobalWriterEndpoint?: boolean;
}

/**
 * The engine a local run rehearses: `--clients-use-global-writer-endpoint` implies a cluster (only a cluster's
 * clients use a global writer endpoint: with `--engine postgres` it exits 2), else `--engine` (none: an instance).
 */
export function localEngineChoice(flags: LocalEngineFlags): LocalEngine | undefined {
  if (flags.engine === 'postgres' && flags.clientsUseGlobalWriterEndpoint)
    throw new UsageError(
      '--clients-use-global-writer-endpoint is for an Aurora cluster in a global database: drop it or pass ' +
        `--engine ${AURORA_POSTGRESQL}.`,
    );
  return flags.clientsUseGlobalWriterEndpoint ? AURORA_POSTGRESQL : flags.engine;
}
