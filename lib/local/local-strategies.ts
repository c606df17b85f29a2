import type { STRATEGIES } from '../../engines/failover/strategies';

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
