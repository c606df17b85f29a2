import { appendFile, chmod, chown, lstat, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { BACKUP_META_FILE, type BaseBackupMeta } from './local-restore-provider';

const LOCK_FILE = 'rxdr-store-lock.json';
const DAY_MS = 86_400_000;

/** The store's lock, as AWS Backup Vault Lock in compliance mode: once set, nobody can change or remove it. */
export interface StoreLock {
  readonly mode: 'compliance';
  /** No recovery point may be deleted before it is this old. */
  readonly minRetentionDays: number;
  readonly lockedAt: string;
  readonly lockedBy: string;
}

/** One call to the store, as the store records it (what CloudTrail records of AWS Backup). */
export interface StoreCall {
  readonly at: string;
  readonly call: 'DeleteRecoveryPoint' | 'PutStoreLock';
  readonly by: string;
  readonly target: string;
  readonly outcome: 'denied' | 'allowed';
  readonly reason?: string;
}

/** A call the store's lock refused. */
export class StoreAccessDenied extends Error {
  override readonly name = 'StoreAccessDenied';
}

/**
 * The local recovery store ("vault"): base backups, one directory each in `backupsDir` (the recovery points
 * `LocalRestoreProvider` restores). Its lock is enforced twice:
 * - in code: `deleteRecoveryPoint` refuses a recovery point younger than the lock's retention, `putLock` refuses
 *   any change once the store is locked; every call, refused or not, is appended to the audit log;
 * - on the file system: locking hands the recovery points, the lock and the store directory to the store's
 *   custodian (the OS user running rxdr) — files 0600, directories 0500, the lock 0400 — and makes the directory
 *   holding the store the custodian's too (0711), so no other OS user (the database server's, which an attacker
 *   on the database host has) can delete, rename, rewrite or re-permission them. A restore copies them as the
 *   custodian, so the server needs no access to the store.
 */
export class LocalRecoveryStore {
  constructor(
    readonly backupsDir: string,
    /** Where the store records its calls (outside the sealed directory: it must stay appendable). */
    readonly auditFile: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get lockFile(): string {
    return path.join(this.backupsDir, LOCK_FILE);
  }

  async currentLock(): Promise<StoreLock | undefined> {
    try {
      return JSON.parse(await readFile(this.lockFile, 'utf8')) as StoreLock;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Lock the store; refused (and recorded) when it is locked already: a compliance lock cannot be changed. */
  async putLock(minRetentionDays: number, by: string): Promise<StoreLock> {
    const current = await this.currentLock();
    if (current)
      return this.deny(
        'PutStoreLock',
        by,
        this.backupsDir,
        `the store is locked in compliance mode since ${current.lockedAt}: its lock cannot be changed or removed`,
      );
    const lock: StoreLock = { mode: 'compliance', minRetentionDays, lockedAt: this.now().toISOString(), lockedBy: by };
    await writeFile(this.lockFile, `${JSON.stringify(lock, null, 2)}\n`);
    await seal(this.backupsDir);
    await chmod(this.lockFile, 0o400);
    await sealParent(this.backupsDir);
    await this.record({ call: 'PutStoreLock', by, target: this.backupsDir, outcome: 'allowed' });
    return lock;
  }

  /** Delete recovery point `name` (a directory of the store); refused while the lock retains it. */
  async deleteRecoveryPoint(name: string, by: string): Promise<void> {
    const point = path.join(this.backupsDir, path.basename(name));
    const lock = await this.currentLock();
    if (lock) {
      const meta = JSON.parse(await readFile(path.join(point, BACKUP_META_FILE), 'utf8')) as BaseBackupMeta;
      const retainedUntil = new Date(new Date(meta.finishedAt).getTime() + lock.minRetentionDays * DAY_MS);
      if (this.now() < retainedUntil)
        return this.deny(
          'DeleteRecoveryPoint',
          by,
          point,
          `the store's lock retains ${meta.label} until ${retainedUntil.toISOString()}`,
        );
    }
    await rm(point, { recursive: true, force: true });
    await this.record({ call: 'DeleteRecoveryPoint', by, target: point, outcome: 'allowed' });
  }

  /** The recovery points: each directory of the store with its base backup's label. */
  async recoveryPoints(): Promise<{ name: string; label: string }[]> {
    const points: { name: string; label: string }[] = [];
    for (const entry of await readdir(this.backupsDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const meta = await readFile(path.join(this.backupsDir, entry.name, BACKUP_META_FILE), 'utf8').catch(() => '');
      if (meta) points.push({ name: entry.name, label: (JSON.parse(meta) as BaseBackupMeta).label });
    }
    return points;
  }

  /** Every call recorded so far, oldest first. */
  async calls(): Promise<StoreCall[]> {
    const text = await readFile(this.auditFile, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as StoreCall);
  }

  /** Every file and directory of the store with its size (`storeInventory`). */
  inventory(): Promise<string[]> {
    return storeInventory(this.backupsDir);
  }

  private async deny(call: StoreCall['call'], by: string, target: string, reason: string): Promise<never> {
    await this.record({ call, by, target, outcome: 'denied', reason });
    throw new StoreAccessDenied(`${call} denied: ${reason}`);
  }

  private async record(call: Omit<StoreCall, 'at'>): Promise<void> {
    await appendFile(this.auditFile, `${JSON.stringify({ at: this.now().toISOString(), ...call })}\n`);
  }
}

/** Every file and directory under `dir` with its size, sorted: equal inventories mean nothing was removed. */
export async function storeInventory(dir: string): Promise<string[]> {
  const entries: string[] = [];
  const walk = async (current: string, relative: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        entries.push(`${name}/`);
        await walk(full, name);
      } else entries.push(`${name} ${(await lstat(full)).size}`);
    }
  };
  await walk(dir, '');
  return entries.sort();
}

/** The custodian: the OS user running rxdr. Files become its own only where it may hand them over (root). */
function custodian(): { uid: number; gid: number } | undefined {
  return process.getuid?.() === 0 ? { uid: 0, gid: 0 } : undefined;
}

/** Hand a tree to the custodian, read-only: files 0600, directories 0500 (children first). */
async function seal(target: string): Promise<void> {
  const owner = custodian();
  const info = await lstat(target);
  if (info.isSymbolicLink()) return;
  if (info.isDirectory()) for (const entry of await readdir(target)) await seal(path.join(target, entry));
  if (owner) await chown(target, owner.uid, owner.gid);
  await chmod(target, info.isDirectory() ? 0o500 : 0o600);
}

/** The directory holding the store: the custodian's, so no other user can rename or remove the store. */
async function sealParent(store: string): Promise<void> {
  const owner = custodian();
  if (!owner) return;
  const parent = path.dirname(store);
  await chown(parent, owner.uid, owner.gid);
  await chmod(parent, 0o711);
}

/**
 * Open a sealed tree to its custodian again so the run that created it can remove it (as root nothing is needed;
 * otherwise the custodian must make its directories writable first). Only for a store the run itself created.
 */
export async function unsealForRemoval(target: string): Promise<void> {
  const info = await lstat(target).catch(() => undefined);
  if (!info?.isDirectory()) return;
  await chmod(target, 0o700);
  for (const entry of await readdir(target)) await unsealForRemoval(path.join(target, entry));
}
