import { readdir } from 'node:fs/promises';
import type { Strategy } from '../../engines/failover/catalog';
import type { FailoverState, Plan } from '../../engines/failover/failover-steps/state';
import type { FailoverSite } from './failover-site';
import { answers, lastReplayed, newestArchived } from './failover-probes';
import { AURORA_POSTGRESQL, type LocalEngine } from './local-engines';
import type { LocalGlobalDatabase } from './local-global-database';
import { globalWriterEndpointPreflight, throughGlobalWriterEndpoint } from './local-global-writer-steps';
import { LOCAL_STRATEGIES } from './local-strategies';
import { LOCAL_DATABASE } from './local-run';

/** A planned switchover: the primary is healthy, writes freeze, the standby catches up, nothing is lost. */
export const isPlanned = (strategy: Strategy): boolean => strategy === 'global-switchover';
/** Strategies that promote the streaming standby. */
export const fromStandby = (strategy: Strategy): boolean => strategy !== 'point-in-time';

export const STANDBY = 'rxdr_standby';
export const RESTORED = 'rxdr_restored';
/** An Aurora cluster's point-in-time restore goes beside it as `<cluster>-restored`, as in AWS. */
export const RESTORED_CLUSTER = `${LOCAL_DATABASE}-restored`;

/** What a point-in-time failover restores into: the cluster's `<cluster>-restored`, or the instance's. */
export const restoredName = (engine: LocalEngine | undefined): string =>
  engine === AURORA_POSTGRESQL ? RESTORED_CLUSTER : RESTORED;
/** A server this run started died: say so, rather than what a probe of it saw (it does not answer). */
export const STANDBY_DIED_BEFORE_PROMOTION =
  'the standby PostgreSQL server is not running: it exited before it could be promoted';

/** What the local preflight reads besides the site. */
export interface LocalPlanContext {
  readonly site: FailoverSite;
  /** The newest write the primary may have committed (the fault's, or the load's so far before a switchover). */
  readonly newestWrite: () => Date;
  readonly targets: { readonly rtoSeconds: number; readonly rpoSeconds: number };
  readonly tier: number;
  /** `aurora-postgresql`: a point-in-time failover restores a cluster and adds its instance. @default postgres */
  readonly engine?: LocalEngine;
  /** Clients connect through this global database's writer endpoint. */
  readonly global?: LocalGlobalDatabase;
}

/**
 * The local failover's preflight, read-only like the AWS one: is the primary gone (or, for a switchover, up),
 * what can each strategy recover from, and how much would be lost.
 */
export async function planLocalFailover(state: FailoverState, options: LocalPlanContext): Promise<Plan> {
  const startedAt = new Date().toISOString();
  const { site } = options;
  const strategy = state.input.strategy ?? 'promote-replica';
  const checks: Plan['checks'] = [];
  const blockers: string[] = [];
  const check = (name: string, ok: boolean, detail: string, blocking: boolean) => {
    checks.push({ name, ok, detail });
    if (!ok && blocking) blockers.push(`${name}: ${detail}`);
  };
  const primaryAnswers = await answers(site.primary.url(LOCAL_DATABASE));
  const primary = {
    identifier: `local-primary:${site.primary.port}`,
    status: primaryAnswers ? 'available' : 'unreachable',
    healthy: primaryAnswers,
    detail: primaryAnswers
      ? `the primary at 127.0.0.1:${site.primary.port} accepts connections`
      : `the primary at 127.0.0.1:${site.primary.port} does not answer`,
  };
  const planned = isPlanned(strategy);
  // A switchover needs the primary up; every other strategy is for when it is not.
  check(
    'primary',
    planned ? primary.healthy : !primary.healthy,
    planned && !primary.healthy
      ? `a switchover needs the primary: ${primary.detail}; use global-failover`
      : primary.detail,
    planned,
  );
  if (!(LOCAL_STRATEGIES as readonly Strategy[]).includes(strategy))
    check('strategy', false, `${strategy} is not rehearsed locally: choose ${LOCAL_STRATEGIES.join(' or ')}`, true);

  const newest = options.newestWrite();
  const standbyRunning = site.standby.isRunning();
  const replayed = standbyRunning ? await lastReplayed(site.standby.url()) : undefined;
  const replicaLoss = replayed ? Math.max(0, Math.round((newest.getTime() - replayed.getTime()) / 1000)) : null;
  check(
    'replica',
    replayed !== undefined,
    replayed
      ? `standby ${STANDBY} replayed up to ${replayed.toISOString()} (${
          planned ? 'a switchover waits until it has replayed everything' : `expected data loss ${replicaLoss} s`
        })`
      : standbyRunning
        ? `standby ${STANDBY} does not answer as a standby`
        : STANDBY_DIED_BEFORE_PROMOTION,
    fromStandby(strategy),
  );
  const archived = await newestArchived(site.archiveDir);
  const archiveLoss = archived ? Math.max(0, Math.round((newest.getTime() - archived.getTime()) / 1000)) : null;
  const backups = await readdir(site.backupsDir).catch(() => []);
  check(
    'automated-backups',
    backups.length > 0 && archived !== undefined,
    backups.length > 0 && archived
      ? `${backups.length} base backup(s); newest archived WAL ${archived.toISOString()} (expected data loss ${archiveLoss} s)`
      : 'no base backup or no archived WAL',
    strategy === 'point-in-time',
  );
  const warnings: string[] = [];
  await globalWriterEndpointPreflight(options.global, strategy, check, warnings);
  const expectedDataLossSeconds = planned ? 0 : fromStandby(strategy) ? replicaLoss : archiveLoss;
  if (expectedDataLossSeconds !== null && expectedDataLossSeconds > options.targets.rpoSeconds)
    warnings.push(`expected data loss ${expectedDataLossSeconds} s exceeds the RPO of ${options.targets.rpoSeconds} s`);
  const refused = !planned && primary.healthy && !state.input.force;
  const target = fromStandby(strategy) ? STANDBY : restoredName(options.engine);
  const throughGlobal = throughGlobalWriterEndpoint(options.global, strategy);
  return {
    startedAt,
    endedAt: new Date().toISOString(),
    database: state.input.database,
    strategy,
    tier: options.tier,
    rtoSeconds: options.targets.rtoSeconds,
    rpoSeconds: options.targets.rpoSeconds,
    primary,
    source: {
      kind: fromStandby(strategy) ? 'replica' : 'point-in-time',
      id: fromStandby(strategy) ? STANDBY : site.archiveDir,
      recoveryPointTime: newest.toISOString(),
    },
    targetInstanceIdentifier: target,
    recoveryAlreadyStarted: false,
    expectedDataLossSeconds,
    expectedDurationSeconds: fromStandby(strategy) ? 5 : 30,
    checks,
    blockers,
    warnings,
    refused,
    decision: blockers.length > 0 ? 'blocked' : state.input.dryRun ? 'dry-run' : refused ? 'refused' : 'proceed',
    steps: [
      { name: 'approval', description: 'an operator approves', status: 'pending' },
      {
        name: 'freeze',
        description: planned
          ? "stop the application's writes, make the primary read-only and take its WAL position"
          : 'stop the application writing to the old primary',
        status: 'pending',
      },
      {
        name: 'recover',
        description: planned
          ? `wait until ${STANDBY} has replayed the primary's WAL position, promote it, stop the old primary`
          : fromStandby(strategy)
            ? `promote ${STANDBY} (pg_ctl promote)`
            : options.engine === AURORA_POSTGRESQL
              ? `restore cluster ${target} beside the primary from the base backup, replay the WAL archive to ` +
                'its end, then add its instance'
              : `restore ${target} from the base backup and replay the WAL archive to its end`,
        status: 'pending',
      },
      { name: 'validate', description: 'run the validation engine with the manifest', status: 'pending' },
      {
        name: 'repoint',
        description: throughGlobal
          ? `none: ${site.endpointFile} names the global writer endpoint, which moves with the writer`
          : `rewrite ${site.endpointFile}`,
        status: 'pending',
      },
      {
        name: 'verify',
        description: throughGlobal
          ? `the global database reports ${target} as its writer; clients write through its writer endpoint`
          : 'the pointer reads the new endpoint; clients write through it',
        status: 'pending',
      },
      { name: 'evidence', description: 'write the evidence document', status: 'pending' },
    ],
  };
}
