import { z } from 'zod';
import { asRecord } from './raw';
import { DEFAULT_TIERS } from './tiers';

/**
 * Game days: real faults injected with AWS Fault Injection Service so that the on-call engineers rehearse the
 * failover runbook. `schema.ts` composes `gameDaysSchema`; `checkGameDayConfig` runs inside the environment's
 * consistency check, so its problems are listed together with every other one.
 */

export const GAME_DAY_SCENARIOS = [
  /** The primary instance fails: a reboot with forced failover (Multi-AZ) or a stop. */
  'primary-instance-failure',
  /** The application subnets lose the primary database network (FIS network disruption on the subnets). */
  'primary-region-unreachable',
  /** Someone tries to delete recovery points and change the vault policy: the denials and detections must fire. */
  'recovery-point-deletion-attempt',
  /** The recovery-region vault is declared lost: recover from the isolated copy. */
  'isolated-copy-restore',
] as const;
export type GameDayScenario = (typeof GAME_DAY_SCENARIOS)[number];

/** Tag (key and value) a resource must carry, besides the environment's `rxdr:env`, for a game day to touch it. */
export const GAME_DAY_TARGET_TAG = { key: 'rxdr:gameday', value: 'target' } as const;

export const GAME_DAY_MAX_MINUTES = 720;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const IAM_PRINCIPAL_ARN =
  /^arn:aws[a-z-]*:(iam::\d{12}:(user|role)\/[\w+=,.@/-]+|sts::\d{12}:assumed-role\/[\w+=,.@-]+)$/;

export const gameDaysSchema = z
  .strictObject({
    /** @default true outside production; a production environment needs `allowProduction` and `secondApprover` */
    enabled: z.boolean().optional(),
    /** Inject faults into this production environment (needs `secondApprover`). */
    allowProduction: z.boolean().default(false),
    /** IAM ARN of the person who approves a production game day besides the one who starts it. */
    secondApprover: z.string().optional(),
    /** @default every scenario the environment can run (see `gameDayScenarios`) */
    scenarios: z.array(z.enum(GAME_DAY_SCENARIOS)).optional(),
    /** Upper bound of every fault, in minutes. */
    durationMinutes: z.number().int().positive().default(30),
    /** How the primary fails: `reboot` (forced failover where Multi-AZ) or `stop` (no read replica allowed). */
    instanceFailure: z.enum(['reboot', 'stop']).default('reboot'),
    /** Application subnets (primary region) that lose the database network; each must carry the target tag. */
    applicationSubnetIds: z.array(z.string()).default([]),
  })
  .prefault({});
export type GameDaysConfig = z.output<typeof gameDaysSchema>;

/** Just what the game-day helpers read, so that callers pass a resolved environment or a raw one. */
interface GameDayEnvironment {
  readonly production: boolean;
  readonly gameDays: GameDaysConfig;
  readonly isolatedBackup?: unknown;
}

/** Whether the environment has game days: on by default outside production, off by default in production. */
export function gameDaysEnabled(env: GameDayEnvironment): boolean {
  return env.gameDays.enabled ?? !env.production;
}

/** The scenarios synthesized for an environment: the configured list, or every one it has the resources for. */
export function gameDayScenarios(env: GameDayEnvironment): GameDayScenario[] {
  if (!gameDaysEnabled(env)) return [];
  if (env.gameDays.scenarios) return [...new Set(env.gameDays.scenarios)];
  return GAME_DAY_SCENARIOS.filter(
    (scenario) =>
      (scenario !== 'primary-region-unreachable' || env.gameDays.applicationSubnetIds.length > 0) &&
      (scenario !== 'isolated-copy-restore' || airGapped(env)),
  );
}

/** The isolated copy is a logically air-gapped vault in this account, which drills can restore from directly. */
function airGapped(env: { readonly isolatedBackup?: unknown }): boolean {
  return (env.isolatedBackup as { mode?: unknown } | undefined)?.mode === 'air-gapped';
}

/**
 * A production game day only when asked for explicitly and with a second approver; scenarios that lack their
 * resources; subnet ids; a stop where RDS cannot stop the instance (it has a read replica).
 */
export function checkGameDayConfig(
  env: Record<string, unknown>,
  problem: (path: (string | number)[], message: string) => void,
): void {
  const gameDays = asRecord(env.gameDays);
  const production = env.production === true;
  const enabled = typeof gameDays.enabled === 'boolean' ? gameDays.enabled : !production;
  if (gameDays.secondApprover !== undefined && typeof gameDays.secondApprover === 'string') {
    if (!IAM_PRINCIPAL_ARN.test(gameDays.secondApprover))
      problem(
        ['gameDays', 'secondApprover'],
        `must be the IAM user or role ARN of a person, e.g. "arn:aws:iam::111111111111:user/jane", got "${gameDays.secondApprover}"`,
      );
  }
  if (production && enabled) {
    const missing = [
      ...(gameDays.allowProduction === true ? [] : ['allowProduction: true']),
      ...(typeof gameDays.secondApprover === 'string' ? [] : ['secondApprover (an IAM ARN)']),
    ];
    if (missing.length > 0)
      problem(
        ['gameDays', 'enabled'],
        `a game day in a production environment injects real faults into patient-facing databases: set ${missing.join(' and ')} in gameDays, or disable game days here (got enabled: true)`,
      );
  }
  if (!production && gameDays.allowProduction === true) {
    problem(['gameDays', 'allowProduction'], 'only a production environment can allow production game days');
  }
  const minutes = gameDays.durationMinutes;
  if (typeof minutes === 'number' && minutes > GAME_DAY_MAX_MINUTES) {
    problem(['gameDays', 'durationMinutes'], `at most ${GAME_DAY_MAX_MINUTES} minutes (12 h), got ${minutes}`);
  }
  const subnets = Array.isArray(gameDays.applicationSubnetIds) ? gameDays.applicationSubnetIds : [];
  subnets.forEach((subnet, index) => {
    if (typeof subnet === 'string' && !SUBNET_ID.test(subnet))
      problem(
        ['gameDays', 'applicationSubnetIds', index],
        `must be a subnet id such as "subnet-0abc1234", got "${subnet}"`,
      );
  });
  if (!enabled) return;
  const scenarios = Array.isArray(gameDays.scenarios) ? gameDays.scenarios : [];
  if (scenarios.includes('primary-region-unreachable') && subnets.length === 0) {
    problem(
      ['gameDays', 'scenarios'],
      'primary-region-unreachable needs gameDays.applicationSubnetIds (the subnets whose traffic is cut)',
    );
  }
  if (scenarios.includes('isolated-copy-restore') && env.isolatedBackup === undefined) {
    problem(['gameDays', 'scenarios'], 'isolated-copy-restore needs isolatedBackup (there is no isolated copy)');
  } else if (scenarios.includes('isolated-copy-restore') && !airGapped(env)) {
    problem(
      ['gameDays', 'scenarios'],
      'isolated-copy-restore restores from the logically air-gapped vault in this account (isolatedBackup.mode ' +
        '"air-gapped"); a cross-account copy can only be restored after the isolated account copies it back, ' +
        `got mode ${JSON.stringify(asRecord(env.isolatedBackup).mode ?? 'cross-account')}`,
    );
  }
  if (gameDays.instanceFailure === 'stop') {
    const tiers = asRecord(env.tiers);
    const withReplica = (Array.isArray(env.databases) ? env.databases : [])
      .map(asRecord)
      .filter((db) => {
        const tier = typeof db.tier === 'string' ? { ...DEFAULT_TIERS[db.tier], ...asRecord(tiers[db.tier]) } : {};
        return (tier as { crossRegionReadReplica?: unknown }).crossRegionReadReplica === true;
      })
      .map((db) => String(db.name));
    if (withReplica.length > 0)
      problem(
        ['gameDays', 'instanceFailure'],
        `RDS cannot stop an instance that has a read replica (${withReplica.join(', ')}): use "reboot", got "stop"`,
      );
  }
}
