/** How a failover recovers a database. Plain data, so the CLI can list them without loading a schema library. */
export const STRATEGIES = [
  'promote-replica',
  'point-in-time',
  'latest-backup',
  /** Aurora Global Database: planned switchover to the recovery region's secondary (no data loss). */
  'global-switchover',
  /** Aurora Global Database: failover to the secondary while the primary region is down (data loss allowed). */
  'global-failover',
  /**
   * Aurora Global Database: detach the recovery region's secondary (`RemoveFromGlobalCluster`), which makes it a
   * standalone writable cluster; for when the global database cannot fail over. Data loss allowed, as a failover's.
   */
  'detach-and-promote',
] as const;
