import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import type { DeletionStatus, RecoverySource, RestoreHandle, RestoreStatus } from '../../engines/drill/provider';
import { isRunning, LocalRestoreBase } from './local-restore-base';
import { PostgresCluster } from './postgres-cluster';
import { isProcessAlive } from './processes';

export { BACKUP_META_FILE, recordBaseBackup } from './local-restore-base';
export type { BaseBackupMeta, LocalRestoreProviderOptions } from './local-restore-base';

/**
 * The local implementation of the drill's `RestoreProvider` for an instance: the same point-in-time restore RDS
 * performs, with PostgreSQL's own machinery. A restore copies the newest base backup into a new directory, adds
 * `recovery.signal` and a `restore_command` over the WAL archive, and starts the server, which replays the
 * archive to its end (or to a PITR target) and promotes itself.
 */
export class LocalRestoreProvider extends LocalRestoreBase {
  async startRestore(source: RecoverySource, drillId: string): Promise<RestoreHandle> {
    const entry = await this.restoreData(source, drillId);
    this.startServer(entry);
    return entry.handle;
  }

  async describeRestore(handle: RestoreHandle): Promise<RestoreStatus> {
    const entry = this.restores.get(handle.id);
    if (!entry) return { state: 'failed', reason: `unknown restore ${handle.id}` };
    const status = await this.probe(entry);
    if (!isRunning(status)) return status;
    const { cluster, version } = status;
    return {
      state: 'available',
      target: {
        identifier: handle.id,
        engine: 'postgres',
        engineVersion: version,
        endpoint: `127.0.0.1:${cluster.port}`,
        encrypted: false,
        publiclyAccessible: false,
        network: 'loopback',
        details: { dataDir: cluster.dataDir, baseBackup: entry.backup.label, binaries: cluster.binaries.source },
      },
      checks: [await this.walContinuity(cluster, entry.backup)],
    };
  }

  async deleteRestored(handle: RestoreHandle): Promise<void> {
    const entry = this.restores.get(handle.id);
    if (!entry || entry.state === 'deleted') return;
    // A restore still copying or replaying is waited for (pg_ctl start returns or fails), then removed.
    await entry.server?.catch(() => undefined);
    const cluster = await entry.prepared.catch(() => undefined);
    if (cluster) await cluster.destroy();
    else
      await PostgresCluster.fromDataDir(entry.rootDir, path.join(entry.rootDir, 'data')).then(
        (c) => c.destroy(),
        () => undefined,
      );
    await rm(entry.rootDir, { recursive: true, force: true });
    entry.state = 'deleted';
  }

  async describeDeletion(handle: RestoreHandle): Promise<DeletionStatus> {
    const entry = this.restores.get(handle.id);
    if (!entry) return { state: 'deleted' };
    const pid = await entry.started?.postmasterPid();
    if (pid !== undefined && isProcessAlive(pid))
      return { state: 'deleting', detail: `postmaster ${pid} still running` };
    if (existsSync(entry.rootDir)) return { state: 'deleting', detail: `${entry.rootDir} still exists` };
    return { state: 'deleted' };
  }
}
