import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { DeletionStatus, RecoverySource, RestoreHandle, RestoreStatus } from '../../engines/drill/provider';
import type { EvidenceTarget } from '../../engines/evidence/schema';
import { AURORA_POSTGRESQL } from './local-engines';
import { isRunning, LocalRestoreBase, type RestoreEntry } from './local-restore-base';
import type { PostgresCluster } from './postgres-cluster';
import { isProcessAlive } from './processes';

/**
 * The local `RestoreProvider` for an Aurora PostgreSQL cluster, with the AWS cluster drill's steps: restore the
 * cluster (only the storage: the base backup copied with its recovery settings, as an Aurora restore creates no
 * instance), then add its one instance (start the server, which replays the WAL archive and promotes), validate,
 * and delete the instance (stop the server) and then the cluster (remove its directory). On one machine a cluster
 * is PostgreSQL: its data directory is the cluster's storage and the server on it is the instance. The cluster and
 * its instance share the restore's identifier, as in AWS.
 */
export class LocalClusterRestoreProvider extends LocalRestoreBase {
  async startRestore(source: RecoverySource, drillId: string): Promise<RestoreHandle> {
    const entry = await this.restoreData(source, drillId);
    return { ...entry.handle, details: { ...entry.handle.details, resource: 'cluster' } };
  }

  async describeRestore(handle: RestoreHandle): Promise<RestoreStatus> {
    const entry = this.restores.get(handle.id);
    if (!entry) return { state: 'failed', reason: `unknown restore ${handle.id}` };
    if (entry.state === 'copying') return { state: 'pending', detail: 'cluster restoring: copying the base backup' };
    if (entry.state === 'copied' && !entry.server) {
      this.startServer(entry);
      return { state: 'pending', detail: 'cluster available; its instance is being created' };
    }
    const status = await this.probe(entry);
    if (!isRunning(status)) return status;
    return {
      state: 'available',
      target: restoredLocalClusterTarget(handle.id, entry, status.cluster, status.version),
      checks: [await this.walContinuity(status.cluster, entry.backup)],
    };
  }

  async deleteRestored(handle: RestoreHandle): Promise<void> {
    await this.deleteStep(handle);
  }

  async describeDeletion(handle: RestoreHandle): Promise<DeletionStatus> {
    const step = await this.deleteStep(handle);
    return step === 'gone' ? { state: 'deleted' } : { state: 'deleting', detail: step };
  }

  /**
   * One step on the way to nothing left, as in AWS: the instance first (its server stopped), then the cluster (its
   * directory removed). Returns what was done or is awaited, or `gone`.
   */
  private async deleteStep(handle: RestoreHandle): Promise<string> {
    const entry = this.restores.get(handle.id);
    if (!entry) return 'gone';
    // A copy or a start under way is waited for (it ends or fails), so nothing writes into what is removed.
    const cluster = await entry.prepared.catch(() => undefined);
    await entry.server?.catch(() => undefined);
    const pid = await cluster?.postmasterPid();
    if (cluster && pid !== undefined && isProcessAlive(pid)) {
      await cluster.stop('fast').catch(() => cluster.kill());
      return 'instance deletion requested';
    }
    if (existsSync(entry.rootDir)) {
      await rm(entry.rootDir, { recursive: true, force: true });
      entry.state = 'deleted';
      return 'cluster deletion requested';
    }
    entry.state = 'deleted';
    return 'gone';
  }
}

/** What the evidence records about a restored local cluster and its one instance: the AWS cluster drill's shape. */
function restoredLocalClusterTarget(
  id: string,
  entry: RestoreEntry,
  cluster: PostgresCluster,
  version: string,
): EvidenceTarget {
  return {
    identifier: id,
    engine: AURORA_POSTGRESQL,
    engineVersion: version,
    endpoint: `127.0.0.1:${cluster.port}`,
    encrypted: false,
    publiclyAccessible: false,
    network: 'loopback',
    details: {
      resource: 'aurora-cluster',
      instance: id,
      members: '1',
      deletionProtection: 'false',
      rehearsedOn: `PostgreSQL ${version}`,
      dataDir: cluster.dataDir,
      baseBackup: entry.backup.label,
      binaries: cluster.binaries.source,
    },
  };
}
