import type { STRATEGIES } from '../../engines/failover/strategies';
import { AURORA_POSTGRESQL, type LocalEngine } from './local-engines';

/**
 * The failover strategies one machine can rehearse (plain data, so the CLI checks `--strategy` without loading
 * PostgreSQL code): promote the streaming standby (an instance's replica, or an Aurora global database's
 * secondary, failed over or detached: on one machine a cluster is PostgreSQL with a streaming replica), restore
 * base backup + WAL, or switch over to the standby as planned. `latest-backup` restores from an AWS Backup vault:
 * AWS only.
 */
export const LOCAL_STRATEGIES = [
  'promote-replica',
  'point-in-time',
  'global-failover',
  'global-switchover',
  'detach-and-promote',
] as const satisfies readonly (typeof STRATEGIES)[number][];
export type LocalStrategy = (typeof LOCAL_STRATEGIES)[number];

/** A local failover's strategy when none is chosen: a cluster's global database fails over, an instance's replica is promoted. */
export const defaultLocalStrategy = (engine: LocalEngine | undefined): LocalStrategy =>
  engine === AURORA_POSTGRESQL ? 'global-failover' : 'promote-replica';

/**
 * The strategies that answer a lost primary (a game day's failover scenarios) on an engine: a cluster has no read
 * replica to promote, an instance no global database, and a switchover is planned (it needs the primary). Without
 * an engine, every local strategy (the preflight blocks a switchover while the primary is down).
 */
export function unplannedStrategies(engine: LocalEngine | undefined): readonly LocalStrategy[] {
  if (engine === AURORA_POSTGRESQL) return ['global-failover', 'detach-and-promote', 'point-in-time'];
  if (engine === 'postgres') return ['promote-replica', 'point-in-time'];
  return LOCAL_STRATEGIES;
}
