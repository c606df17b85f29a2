import { DatabaseConfig, ParsedEnvironment } from './schema';
import { TierPreset } from './tiers';

/** A protected database with its tier resolved. */
export type ProtectedDatabase = DatabaseConfig & {
  readonly tierPreset: TierPreset;
};

/**
 * One validated environment, with defaults and tier presets resolved. Everything in `lib/` receives this
 * object; nothing reads configuration files or CDK context itself.
 */
export interface EnvironmentConfig extends Omit<ParsedEnvironment, 'tiers' | 'databases' | 'vaultLock'> {
  /** The environment's key in the configuration, e.g. "prod". */
  readonly name: string;
  readonly tiers: Readonly<Record<string, TierPreset>>;
  readonly databases: readonly ProtectedDatabase[];
  readonly vaultLock: { readonly mode: 'governance' | 'compliance'; readonly changeableForDays: number };
}

export interface RxdrConfig {
  readonly environments: readonly EnvironmentConfig[];
  /** The file the configuration came from, for messages. */
  readonly source: string;
}
