import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../project-root';
import { EnvironmentConfig, RxdrConfig } from './environment-config';
import { configSchema, ParsedEnvironment } from './schema';
import { DEFAULT_TIERS, TierPreset } from './tiers';
import { isInstance } from './database-kind';

/** The configuration shipped with the repository (example accounts only). */
export const DEFAULT_CONFIG_FILE = path.join(PROJECT_ROOT, 'config', 'rxdr.config.json');

/** Every problem in a configuration, each naming the environment, the field and the value received. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Invalid rxdr configuration in ${source} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

/** Read and validate a configuration file (JSON). */
export function loadConfigFile(file: string = process.env.RXDR_CONFIG ?? DEFAULT_CONFIG_FILE): RxdrConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`cannot read the file: ${(error as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, [`not valid JSON: ${jsonErrorWithLineAndColumn(text, (error as Error).message)}`]);
  }
  return parseConfig(raw, file);
}

/** Validate a configuration object; throws a ConfigError listing every problem at once. */
export function parseConfig(raw: unknown, source = '(inline configuration)'): RxdrConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success)
    throw new ConfigError(
      source,
      result.error.issues.map((issue) => describeIssue(issue, raw)),
    );
  return {
    source,
    environments: Object.entries(result.data.environments).map(([name, env]) => resolveEnvironment(name, env)),
  };
}

/** Pick environments by name (`-c env=prod` or `--env prod`); an unknown name lists the known ones. */
export function selectEnvironments(config: RxdrConfig, names: readonly string[] | undefined): EnvironmentConfig[] {
  if (!names || names.length === 0) return [...config.environments];
  const known = config.environments.map((env) => env.name);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(
      config.source,
      unknown.map((name) => `unknown environment "${name}"; configured environments: ${known.join(', ')}`),
    );
  }
  return config.environments.filter((env) => names.includes(env.name));
}

function resolveEnvironment(name: string, env: ParsedEnvironment): EnvironmentConfig {
  const tiers: Record<string, TierPreset> = { ...DEFAULT_TIERS };
  for (const [tierName, override] of Object.entries(env.tiers)) {
    tiers[tierName] = { ...DEFAULT_TIERS[tierName], ...override } as TierPreset;
  }
  return {
    ...env,
    name,
    tiers,
    vaultLock: {
      mode: env.vaultLock.mode ?? (env.production ? 'compliance' : 'governance'),
      changeableForDays: env.vaultLock.changeableForDays,
    },
    databases: env.databases.map((db) => {
      const tierPreset = tiers[db.tier];
      if (!tierPreset) throw new Error(`internal: tier ${db.tier} passed validation but is not resolvable`);
      const resolved = db.mode === 'create' && isInstance(db) ? { ...db, multiAz: db.multiAz ?? env.production } : db;
      return { ...resolved, tierPreset };
    }),
  };
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const where = issue.path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
  const received = valueAt(raw, issue.path);
  const got = received.found ? `got ${preview(received.value)}` : 'missing';
  if (issue.code === 'invalid_key')
    return `${where}: invalid name "${String(issue.path.at(-1))}" (${issue.issues.map((i) => i.message).join('; ')})`;
  if (issue.code === 'unrecognized_keys')
    return `${where || '(top level)'}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return `${where || '(top level)'}: ${issue.message} (${got})`;
}

function valueAt(raw: unknown, pathParts: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  let current: unknown = raw;
  for (const part of pathParts) {
    if (current === null || typeof current !== 'object' || !(part in (current as object))) return { found: false };
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return { found: true, value: current };
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * JSON.parse's message with the place as line and column: V8 reports a character offset ("at position 13",
 * Node 22 adds "(line 3 column 3)"), or nothing when the input ends early.
 */
function jsonErrorWithLineAndColumn(text: string, message: string): string {
  const position = /at position (\d+)/.exec(message);
  const offset = position
    ? Number(position[1])
    : /Unexpected end of JSON input/.test(message)
      ? text.length
      : undefined;
  if (offset === undefined) return message;
  const before = text.slice(0, offset).split('\n');
  const line = before.length;
  const column = (before.at(-1) ?? '').length + 1;
  const reason = message
    .replace(/ in JSON at position \d+( \(line \d+ column \d+\))?/, '')
    .replace(/ at position \d+( \(line \d+ column \d+\))?/, '');
  return `line ${line}, column ${column}: ${reason}`;
}
