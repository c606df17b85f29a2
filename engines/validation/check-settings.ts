import { z } from 'zod';
import { customCheckSchema } from './checks/custom';
import { InvariantMappings, invariantMappingsSchema } from './checks/pharmacy/mapping';
import type { CustomCheck } from './types';

/**
 * What the validator of a restored copy needs from a database's configuration (`validation` in rxdr config):
 * the checks to run, the adopter's custom checks and the pharmacy invariants mapped to its tables. The
 * constructs hand them to the validator functions (the drill's Validate task, the failover validator) as
 * the environment variable below, JSON keyed by database name, so scheduled drills and failovers run the
 * same checks as `rxdr validate` with the same settings.
 */
export const CHECK_SETTINGS_VARIABLE = 'RXDR_CHECK_SETTINGS';
/** Lambda allows 4 KB of environment in all; the rest of the function's variables need some of it. */
export const CHECK_SETTINGS_MAX_BYTES = 3072;

export const checkSettingsSchema = z.object({
  checks: z.array(z.string().min(1)).optional(),
  customChecks: z.array(customCheckSchema).optional(),
  invariants: invariantMappingsSchema.optional(),
});
export interface CheckSettings {
  readonly checks?: readonly string[];
  readonly customChecks?: readonly CustomCheck[];
  readonly invariants?: InvariantMappings;
}

/** The environment variable for the databases that have settings (none: no variable). */
export function checkSettingsEnvironment(
  byDatabase: Readonly<Record<string, CheckSettings | undefined>>,
): Record<string, string> {
  const entries = Object.entries(byDatabase)
    .map(([name, s]) => [name, pickCheckSettings(s)] as const)
    .filter(([, s]) => Object.keys(s).length > 0);
  if (entries.length === 0) return {};
  const value = JSON.stringify(Object.fromEntries(entries));
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > CHECK_SETTINGS_MAX_BYTES)
    throw new Error(
      `the validation checks, custom checks and invariant mappings of ${entries.map(([n]) => n).join(', ')} take ` +
        `${bytes} bytes; a validator function carries at most ${CHECK_SETTINGS_MAX_BYTES}: shorten the SQL ` +
        '(e.g. move a long query into a view in the database and select from it)',
    );
  return { [CHECK_SETTINGS_VARIABLE]: value };
}

function pickCheckSettings(settings: CheckSettings | undefined): CheckSettings {
  return {
    ...(settings?.checks?.length ? { checks: settings.checks } : {}),
    ...(settings?.customChecks?.length ? { customChecks: settings.customChecks } : {}),
    ...(settings?.invariants && Object.keys(settings.invariants).length ? { invariants: settings.invariants } : {}),
  };
}

/**
 * The settings of one database from the validator's environment (none configured: `{}`). A variable that
 * does not parse is an error naming it, never silently "run every check".
 */
export function checkSettingsFor(database: string, env: NodeJS.ProcessEnv = process.env): CheckSettings {
  const text = env[CHECK_SETTINGS_VARIABLE];
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${CHECK_SETTINGS_VARIABLE} is not JSON: ${(error as Error).message}`);
  }
  const result = z.record(z.string(), checkSettingsSchema).safeParse(parsed);
  if (!result.success)
    throw new Error(
      `${CHECK_SETTINGS_VARIABLE} is invalid: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return result.data[database] ?? {};
}
