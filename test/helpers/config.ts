import { EnvironmentConfig, RxdrConfig } from '../../lib/config/environment-config';
import { EnvironmentInput } from '../../lib/config/schema';
import { ConfigError, loadConfigFile, parseConfig } from '../../lib/config/load';

/** The configuration shipped in config/rxdr.config.json (dev, staging, prod with example accounts). */
export function shippedConfig(): RxdrConfig {
  return loadConfigFile();
}

export function shippedEnvironment(name: string): EnvironmentConfig {
  const env = shippedConfig().environments.find((e) => e.name === name);
  if (!env) throw new Error(`no environment ${name} in the shipped config`);
  return env;
}

/** A minimal valid environment; tests override the fields they are about. */
export function environmentInput(
  overrides: Partial<Record<keyof EnvironmentInput, unknown>> = {},
): Record<string, unknown> {
  return {
    account: '111111111111',
    primaryRegion: 'us-east-1',
    recoveryRegion: 'us-west-2',
    databases: [{ name: 'dispensing', tier: 'critical', mode: 'create' }],
    notifications: { emails: ['dr@example.com'] },
    ...overrides,
  };
}

/** A critical-tier database adopted from the instance `pharmacy-claims` (its replica needs the engine version). */
export const ADOPTED_CRITICAL_CLAIMS = {
  name: 'claims',
  tier: 'critical',
  mode: 'adopt',
  instanceIdentifier: 'pharmacy-claims',
  engineVersion: '16',
  replicaInstanceClass: 'db.t4g.medium',
} as const;

/** Parse a one-environment configuration named `name`. */
export function environment(
  overrides: Partial<Record<keyof EnvironmentInput, unknown>> = {},
  name = 'test',
): EnvironmentConfig {
  const config = parseConfig({ environments: { [name]: environmentInput(overrides) } });
  return config.environments[0]!;
}

/**
 * Parse a one-environment configuration named `name`, deferred: the thunk `expect(...).toThrow(/problem/)` wants.
 * Overrides are loosely typed so that tests can pass fields the schema rejects.
 */
export function parsing(overrides: Record<string, unknown>, name = 'prod'): () => RxdrConfig {
  return () => parseConfig({ environments: { [name]: environmentInput(overrides) } });
}

/** The message of the `ConfigError` a one-environment configuration is rejected with; fails the test if it parses or throws anything else. */
export function problemsOf(overrides: Record<string, unknown>, name = 'prod'): string {
  try {
    parsing(overrides, name)();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected the configuration to be rejected');
}
