import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { Client } from 'pg';
import { copyTree } from './copy-tree';
import type { ServerUser } from './server-user';

/** Files and directory contents a base backup leaves out (as pg_basebackup does). */
const EXCLUDED_FILES = new Set([
  'postmaster.pid',
  'postmaster.opts',
  'backup_label',
  'tablespace_map',
  'recovery.signal',
  'standby.signal',
  'backup_manifest',
]);
const EMPTIED_DIRS = new Set([
  'pg_replslot',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_stat_tmp',
  'pg_subtrans',
]);

export interface BaseBackup {
  /** The copy: a data directory with `backup_label`, ready for recovery. */
  readonly dataDir: string;
  readonly label: string;
  /** WAL location where the backup started / stopped (recovery must replay at least to `stopLsn`). */
  readonly startLsn: string;
  readonly stopLsn: string;
  /** WAL file holding `stopLsn`: the archive must hold it and every file before it back to the start. */
  readonly stopWalFile: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  /** Bytes copied. */
  readonly bytes: number;
}

/**
 * A physical base backup with PostgreSQL's low-level API, for servers that lack pg_basebackup (the embedded
 * binaries): `pg_backup_start` → copy the data directory (without WAL and runtime files) →
 * `pg_backup_stop` in the same session, whose label becomes `backup_label` in the copy. `pg_backup_stop`
 * waits until the WAL needed for consistency is archived, so the copy plus the archive restores.
 */
export async function takeBaseBackup(options: {
  url: string;
  sourceDataDir: string;
  targetDataDir: string;
  label: string;
  /** Owner of the copy's files: the server's OS user, so a restore can copy it as it is. */
  owner?: ServerUser;
  now?: () => Date;
}): Promise<BaseBackup> {
  const now = options.now ?? (() => new Date());
  const client = new Client({ connectionString: options.url });
  client.on('error', () => undefined); // idle while the files are copied; pg_backup_stop then reports it
  await client.connect();
  try {
    const startedAt = now();
    const start = await client.query<{ lsn: string }>('SELECT pg_backup_start($1, true) AS lsn', [options.label]);
    let bytes = 0;
    let stop;
    try {
      bytes = await copyDataDir(options.sourceDataDir, options.targetDataDir, options.owner);
    } finally {
      // Always end backup mode, even when the copy failed (the session would otherwise hold it until it ends).
      stop = await client.query<{ lsn: string; labelfile: string; spcmapfile: string | null; walfile: string }>(
        'SELECT lsn, labelfile, spcmapfile, pg_walfile_name(lsn) AS walfile FROM pg_backup_stop(true)',
      );
    }
    const row = stop.rows[0];
    if (!row) throw new Error('pg_backup_stop returned no row');
    const written = [path.join(options.targetDataDir, 'backup_label')];
    await writeFile(written[0] as string, row.labelfile);
    if (row.spcmapfile) {
      written.push(path.join(options.targetDataDir, 'tablespace_map'));
      await writeFile(written[1] as string, row.spcmapfile);
    }
    for (const file of written) await options.owner?.own(file);
    return {
      dataDir: options.targetDataDir,
      label: options.label,
      startLsn: start.rows[0]?.lsn ?? '',
      stopLsn: row.lsn,
      stopWalFile: row.walfile,
      startedAt,
      finishedAt: now(),
      bytes,
    };
  } finally {
    await client.end();
  }
}

/**
 * Copy a running server's data directory for a base backup: WAL, runtime and temporary files left out.
 * Files copied mid-change are repaired by replaying WAL from the backup's start location.
 */
export function copyDataDir(source: string, target: string, owner?: ServerUser): Promise<number> {
  return copyTree(source, target, {
    own: owner && ((file) => owner.own(file)),
    select: (relativePath, entry) => {
      if (!relativePath.includes('/')) {
        if (EXCLUDED_FILES.has(relativePath)) return 'skip';
        if (entry.isDirectory() && EMPTIED_DIRS.has(relativePath)) return 'empty-dir';
      }
      // pg_wal keeps its subdirectories (archive_status, summaries), empty, and none of its segments.
      if (relativePath.startsWith('pg_wal/')) return entry.isDirectory() ? 'empty-dir' : 'skip';
      if (entry.name.startsWith('pgsql_tmp')) return 'skip';
      return 'copy';
    },
  });
}
