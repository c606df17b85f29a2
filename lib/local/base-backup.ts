import { copyFile, mkdir, readdir, writeFile, lstat, readlink, symlink } from 'node:fs/promises';
import * as path from 'node:path';
import { Client } from 'pg';

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
  'pg_wal',
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
      bytes = await copyTree(options.sourceDataDir, options.targetDataDir, true);
    } finally {
      // Always end backup mode, even when the copy failed (the session would otherwise hold it until it ends).
      stop = await client.query<{ lsn: string; labelfile: string; spcmapfile: string | null; walfile: string }>(
        'SELECT lsn, labelfile, spcmapfile, pg_walfile_name(lsn) AS walfile FROM pg_backup_stop(true)',
      );
    }
    const row = stop.rows[0];
    if (!row) throw new Error('pg_backup_stop returned no row');
    await writeFile(path.join(options.targetDataDir, 'backup_label'), row.labelfile);
    if (row.spcmapfile) await writeFile(path.join(options.targetDataDir, 'tablespace_map'), row.spcmapfile);
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
 * Copy a data directory tree. Files that disappear while copying (temporary files of a running server)
 * are skipped: the WAL replay from the backup's start location repairs anything copied mid-change.
 */
export async function copyTree(source: string, target: string, isDataDirRoot = false): Promise<number> {
  await mkdir(target, { recursive: true, mode: 0o700 });
  let bytes = 0;
  let entries;
  try {
    entries = await readdir(source, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  for (const entry of entries) {
    const from = path.join(source, entry.name);
    const to = path.join(target, entry.name);
    if (isDataDirRoot && EXCLUDED_FILES.has(entry.name)) continue;
    try {
      if (entry.isDirectory()) {
        if (isDataDirRoot && EMPTIED_DIRS.has(entry.name)) {
          await mkdir(to, { mode: 0o700 });
          if (entry.name === 'pg_wal') await mkdir(path.join(to, 'archive_status'), { mode: 0o700 });
          continue;
        }
        bytes += await copyTree(from, to);
      } else if (entry.isSymbolicLink()) {
        await symlink(await readlink(from), to);
      } else if (entry.isFile()) {
        if (entry.name.startsWith('pgsql_tmp')) continue;
        await copyFile(from, to);
        bytes += (await lstat(to)).size;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return bytes;
}
