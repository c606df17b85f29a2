import type { FailoverSite } from './failover-site';
import { type Disaster, killPrimary } from './local-run';
import { isProcessAlive, waitUntil } from './processes';

/** Scenarios answered by the failover runbook (the AWS game day's names for the same faults). */
export const LOCAL_FAILOVER_SCENARIOS = ['primary-instance-failure', 'primary-region-unreachable'] as const;
export type LocalFailoverScenario = (typeof LOCAL_FAILOVER_SCENARIOS)[number];
/** Scenarios that strike the recovery store and are answered by a restore drill (`store-faults.ts`). */
export const LOCAL_STORE_SCENARIOS = ['recovery-point-deletion-attempt', 'isolated-copy-restore'] as const;
export type LocalStoreScenario = (typeof LOCAL_STORE_SCENARIOS)[number];
/** The scenarios one machine can inject. */
export const LOCAL_GAME_DAY_SCENARIOS = [...LOCAL_FAILOVER_SCENARIOS, ...LOCAL_STORE_SCENARIOS] as const;
export type LocalGameDayScenario = (typeof LOCAL_GAME_DAY_SCENARIOS)[number];

export function isStoreScenario(scenario: LocalGameDayScenario): scenario is LocalStoreScenario {
  return (LOCAL_STORE_SCENARIOS as readonly string[]).includes(scenario);
}

/** A fault a game day injects into the local site under write load. */
export interface LocalFault {
  inject(site: FailoverSite, pids: Set<number>): Promise<Disaster>;
  /** What the operator is told once it struck. */
  describe(disaster: Disaster): string;
  /** After the runbook, before cleanup: fence what the fault left running (a partitioned old primary). */
  fence(): Promise<void>;
}

/** A fresh fault for one game day. */
export function localFault(scenario: LocalFailoverScenario): LocalFault {
  return scenario === 'primary-region-unreachable' ? partition() : instanceFailure();
}

/** The primary's machine dies: every server process is killed (SIGKILL) at once. */
function instanceFailure(): LocalFault {
  return {
    inject: (site, pids) => killPrimary(site.primary, site.load, pids),
    describe: (d) => `the primary was killed at ${d.at.toISOString()} under load`,
    fence: async () => undefined,
  };
}

/**
 * The primary becomes unreachable without dying, as behind a network partition: its processes are stopped
 * (SIGSTOP), so connections neither succeed nor fail until a timeout — the standby stops receiving WAL and the
 * application's connection hangs (it gives up, as its TCP timeout would). The old primary still believes it is
 * the primary: after the failover it is fenced (killed) before anything could reach it again.
 */
function partition(): LocalFault {
  const frozen: number[] = [];
  return {
    async inject(site, pids) {
      // The postmaster first: stopped, it forks no new backend; then its children, looked up again after.
      for (let round = 0; round < 2; round += 1)
        for (const pid of await site.primary.serverPids())
          if (!frozen.includes(pid) && stop(pid)) {
            frozen.push(pid);
            pids.add(pid);
          }
      const at = new Date();
      const stats = await site.load.cut();
      const acknowledged = stats.lastCommittedAt;
      if (!acknowledged) throw new Error('the write load committed nothing before the partition');
      const newestWrite =
        stats.unacknowledgedAt && stats.unacknowledgedAt > acknowledged ? stats.unacknowledgedAt : acknowledged;
      return { at, stats, newestWrite, killed: frozen.length };
    },
    describe: (d) =>
      `the primary stopped answering at ${d.at.toISOString()} under load (a network partition: it is still running)`,
    async fence() {
      const alive = frozen.filter(isProcessAlive);
      for (const pid of alive) process.kill(pid, 'SIGKILL');
      await waitUntil(() => alive.every((pid) => !isProcessAlive(pid)), 10_000);
    },
  };
}

/** SIGSTOP `pid`; false when it exited since it was listed (a backend whose session ended). */
function stop(pid: number): boolean {
  try {
    process.kill(pid, 'SIGSTOP');
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}
