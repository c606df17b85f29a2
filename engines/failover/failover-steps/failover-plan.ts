/** What every failover plan is made of, for instances and clusters alike: timings, health, access, steps. */
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { messageOf } from '../aws-helpers';
import type { CatalogDatabase, Strategy } from '../catalog';
import type { StepDeps } from '../clients';
import { planDecision, type CheckRecorder, type PlanCheck } from '../plan-checks';
import type { FailoverInput, Plan } from './state';
import { throughGlobalWriterEndpoint } from '../cluster/global-writer-endpoint';

/** Typical AWS durations (DR whitepaper, RDS documentation), for the plan's expected duration. */
export const EXPECTED_SECONDS: Readonly<Record<Strategy, number>> = {
  'promote-replica': 300,
  'point-in-time': 2400,
  'latest-backup': 2700,
  'global-switchover': 120,
  'global-failover': 180,
  'detach-and-promote': 180,
};
export const VALIDATION_SECONDS = 120;
export const REPOINT_SECONDS = 60;

export const STATUSES_HEALTHY = new Set([
  'available',
  'backing-up',
  'modifying',
  'configuring-log-exports',
  'storage-optimization',
]);

/**
 * The primary's health as RDS reports it from the primary region (`status` looks it up; undefined: it does not
 * exist). An API that does not answer within 10 s counts as unhealthy.
 */
export async function primaryHealth(
  identifier: string,
  region: string,
  status: () => Promise<string | undefined>,
  noun = 'primary',
): Promise<Plan['primary']> {
  try {
    const found = await withTimeout(status(), 10_000);
    const current = found ?? 'not-found';
    const healthy = found !== undefined && STATUSES_HEALTHY.has(current);
    return { identifier, status: current, healthy, detail: `${noun} ${identifier} is ${current} in ${region}` };
  } catch (error) {
    const detail = `RDS in ${region} did not answer: ${messageOf(error)}`;
    return { identifier, status: 'unreachable', healthy: false, detail };
  }
}

/** The recovery key is enabled and the credentials secret readable (both strategies' and kinds' last checks). */
export async function accessChecks(deps: StepDeps, db: CatalogDatabase, check: CheckRecorder): Promise<void> {
  const { catalog, clients } = deps;
  try {
    const key = await clients.kms.send(new DescribeKeyCommand({ KeyId: catalog.recoveryKeyArn }));
    const enabled = key.KeyMetadata?.Enabled === true;
    check('recovery-key', enabled, `${catalog.recoveryKeyArn} is ${key.KeyMetadata?.KeyState ?? 'unknown'}`);
  } catch (error) {
    check('recovery-key', false, `cannot describe ${catalog.recoveryKeyArn}: ${messageOf(error)}`);
  }
  try {
    const secret = await clients.secrets.send(new DescribeSecretCommand({ SecretId: db.repoint.secretArn }));
    const ok = secret.DeletedDate === undefined;
    check(
      'secret',
      ok,
      ok
        ? `${db.repoint.secretArn} is readable${secret.PrimaryRegion && secret.PrimaryRegion !== catalog.recoveryRegion ? ` (replica of ${secret.PrimaryRegion}: repoint promotes it)` : ''}`
        : `${db.repoint.secretArn} is scheduled for deletion`,
    );
  } catch (error) {
    check('secret', false, `cannot describe ${db.repoint.secretArn}: ${messageOf(error)}`);
  }
}

/** What a preflight found, for `failoverPlan`. */
export interface PlanFindings {
  readonly startedAt: Date;
  readonly input: FailoverInput;
  readonly strategy: Strategy;
  readonly primary: Plan['primary'];
  readonly source?: Plan['source'];
  readonly target: string;
  readonly recoveryAlreadyStarted: boolean;
  readonly expectedDataLossSeconds: number | null;
  readonly checks: PlanCheck[];
  readonly blockers: string[];
  readonly warnings: string[];
  /** The primary looks healthy although the strategy is for when it is not, and the run is not forced. */
  readonly refused: boolean;
}

/**
 * The plan from what the preflight found: a data-loss window beyond the RPO is a warning, the access checks come
 * last, and the decision follows from the blockers, a dry run and a refusal.
 */
export async function failoverPlan(
  deps: StepDeps,
  db: CatalogDatabase,
  found: PlanFindings,
  check: CheckRecorder,
): Promise<Plan> {
  const { strategy, target, recoveryAlreadyStarted, expectedDataLossSeconds, warnings, refused } = found;
  if (expectedDataLossSeconds !== null && expectedDataLossSeconds > db.rpoSeconds)
    warnings.push(`expected data loss ${expectedDataLossSeconds} s exceeds the RPO of ${db.rpoSeconds} s`);
  await accessChecks(deps, db, check);
  return {
    startedAt: found.startedAt.toISOString(),
    endedAt: deps.clock.now().toISOString(),
    database: db.name,
    strategy,
    tier: db.tier,
    rtoSeconds: db.rtoSeconds,
    rpoSeconds: db.rpoSeconds,
    primary: found.primary,
    ...(found.source ? { source: found.source } : {}),
    targetInstanceIdentifier: target,
    recoveryAlreadyStarted,
    expectedDataLossSeconds,
    expectedDurationSeconds:
      (recoveryAlreadyStarted ? 0 : EXPECTED_SECONDS[strategy]) + VALIDATION_SECONDS + REPOINT_SECONDS,
    checks: found.checks,
    blockers: found.blockers,
    warnings,
    refused,
    decision: planDecision(found.blockers, found.input.dryRun, refused),
    steps: planSteps(strategy, db, target, recoveryAlreadyStarted),
  };
}

/** The steps the plan lists for the operator, the recovery marked already done when a resumed run found it. */
export function planSteps(strategy: Strategy, db: CatalogDatabase, target: string, started: boolean): Plan['steps'] {
  const execute: Record<Strategy, string> = {
    'promote-replica': `promote read replica ${target} to a standalone primary`,
    'point-in-time': `restore ${target} from the replicated automated backups to the target time`,
    'latest-backup': `restore ${target} from the newest recovery point in the recovery vault`,
    'global-switchover': `switch the global database over to ${target} (planned, no data loss)`,
    'global-failover': `fail the global database over to ${target} (primary region down, data loss allowed)`,
    'detach-and-promote': `detach ${target} from the global database: standalone and writable (data loss allowed)`,
  };
  const repoint = [
    db.repoint.route53 ? `record ${db.repoint.route53.recordName}` : undefined,
    db.repoint.parameterName ? `parameter ${db.repoint.parameterName}` : undefined,
    'the secret host',
  ]
    .filter(Boolean)
    .join(', ');
  return [
    {
      name: 'approval',
      description: 'wait for an operator to approve (rxdr failover approve) or abort',
      status: 'pending',
    },
    {
      name: 'activate-contingency-plan',
      description: 'record and announce that the contingency plan is active (N3)',
      status: 'pending',
    },
    { name: 'recover', description: execute[strategy], status: started ? 'already-done' : 'pending' },
    { name: 'wait-available', description: `wait until ${target} is available`, status: 'pending' },
    { name: 'validate', description: 'run the validation engine against the recovered database', status: 'pending' },
    {
      name: 'repoint',
      description: throughGlobalWriterEndpoint(db, strategy)
        ? `none: ${repoint} name the global writer endpoint, which AWS moves to ${target}`
        : `point ${repoint} at the new endpoint`,
      status: 'pending',
    },
    {
      name: 'verify',
      description: 'check every client pointer and that the endpoint accepts connections',
      status: 'pending',
    },
    { name: 'notify', description: 'announce the result', status: 'pending' },
    { name: 'evidence', description: 'write the evidence document', status: 'pending' },
  ];
}

export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
