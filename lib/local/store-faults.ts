import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { copyTree } from './copy-tree';
import { StoreAccessDenied, type LocalRecoveryStore } from './recovery-store';
import { serverUser } from './server-user';

const execFileAsync = promisify(execFile);

/** Who the deletion attempt acts as in the store's audit log. */
export const ATTACKER = 'local:attacker';

/** One call of the deletion attempt and whether it was refused. */
export interface StoreAttempt {
  /** `store`: through the store's code (its lock); `filesystem`: straight at the files, as another OS user. */
  readonly layer: 'store' | 'filesystem';
  readonly call: string;
  readonly refused: boolean;
  readonly detail: string;
}

export interface DeletionAttempt {
  readonly at: Date;
  readonly attempts: readonly StoreAttempt[];
  /** What could not be attempted, and why. */
  readonly notes: readonly string[];
}

/**
 * The recovery-point deletion attempt (the AWS scenario's denied calls, on one machine): through the store, delete
 * the newest recovery point and remove the lock; then, as the database server's OS user (an attacker who has the
 * database host), remove the recovery point's files, re-permission them, rewrite the lock and move the store away.
 * Every call must be refused; a call that is not removes or changes what it targets — nothing is faked.
 */
export async function attemptDeletion(store: LocalRecoveryStore, point: string): Promise<DeletionAttempt> {
  const at = new Date();
  const attempts: StoreAttempt[] = [];
  const throughStore = async (call: string, body: () => Promise<unknown>) => {
    try {
      await body();
      attempts.push({ layer: 'store', call, refused: false, detail: 'the store carried it out' });
    } catch (error) {
      const refused = error instanceof StoreAccessDenied;
      attempts.push({ layer: 'store', call, refused, detail: (error as Error).message });
    }
  };
  await throughStore(`DeleteRecoveryPoint ${point}`, () => store.deleteRecoveryPoint(point, ATTACKER));
  await throughStore('PutStoreLock (retention 0 days)', () => store.putLock(0, ATTACKER));

  const notes: string[] = [];
  const user = await serverUser();
  const asServer = user.spawnOptions();
  if (asServer.uid === undefined || asServer.uid === process.getuid?.()) {
    notes.push(
      `the database server runs as you (${user.name}), so no other OS user can be the attacker: the ` +
        'file-system layer is rehearsed only when rxdr runs as root, with the server as its own OS user',
    );
    return { at, attempts, notes };
  }
  const pointDir = path.join(store.backupsDir, point);
  const commands: [string, string, string[]][] = [
    [`rm -rf ${pointDir}`, 'rm', ['-rf', pointDir]],
    [`chmod -R a+rwx ${pointDir}`, 'chmod', ['-R', 'a+rwx', pointDir]],
    [`overwrite ${store.lockFile}`, 'sh', ['-c', 'printf "{}" > "$1"', 'sh', store.lockFile]],
    [`mv ${store.backupsDir} away`, 'mv', [store.backupsDir, `${store.backupsDir}.stolen`]],
  ];
  for (const [call, file, args] of commands) {
    try {
      await execFileAsync(file, args, { ...asServer, timeout: 10_000 });
      attempts.push({ layer: 'filesystem', call: `${call} (as ${user.name})`, refused: false, detail: 'succeeded' });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim().split('\n')[0];
      attempts.push({
        layer: 'filesystem',
        call: `${call} (as ${user.name})`,
        refused: true,
        detail: stderr || (error as Error).message,
      });
    }
  }
  return { at, attempts, notes };
}

/** The isolated copy of the recovery store: its base backups and archived WAL, in a store of its own. */
export interface IsolatedCopy {
  readonly dir: string;
  readonly backupsDir: string;
  readonly archiveDir: string;
}

/**
 * Copy the recovery store (base backups and WAL archive) to `dir`, as a copy job fills the isolated vault. The copy
 * belongs to the server's OS user, as the store does: a restore's `restore_command` reads its archive.
 */
export async function copyToIsolatedStore(
  store: { readonly backupsDir: string; readonly archiveDir: string },
  dir: string,
): Promise<IsolatedCopy> {
  const owner = await serverUser();
  const own = (target: string) => owner.own(target);
  const copy = { dir, backupsDir: path.join(dir, 'base-backups'), archiveDir: path.join(dir, 'wal-archive') };
  await mkdir(dir, { mode: 0o700 });
  await own(dir);
  await copyTree(store.backupsDir, copy.backupsDir, { own });
  await copyTree(store.archiveDir, copy.archiveDir, { own });
  return copy;
}

/** The declaration that the recovery store is lost, and where the game day moved the store meanwhile. */
export interface StoreDeclaredLost {
  readonly declaration: string;
  readonly moved: readonly { readonly from: string; readonly to: string }[];
}

/**
 * Declare the recovery store lost and make it so: write the declaration (the AWS scenario's SSM parameter) and
 * move the store's directories — which the game day created — out of reach, into `quarantine`.
 */
export async function declareStoreLost(
  store: { readonly backupsDir: string; readonly archiveDir: string },
  quarantine: string,
  declaration: string,
): Promise<StoreDeclaredLost> {
  await mkdir(quarantine, { recursive: true, mode: 0o700 });
  const moved = [store.backupsDir, store.archiveDir].map((from) => ({
    from,
    to: path.join(quarantine, path.basename(from)),
  }));
  await writeFile(
    declaration,
    `${JSON.stringify({ declaredAt: new Date().toISOString(), lost: moved.map((m) => m.from) }, null, 2)}\n`,
  );
  for (const { from, to } of moved) await rename(from, to);
  return { declaration, moved };
}

/** Withdraw the declaration and put the store back; returns what is still not as before (empty: back). */
export async function withdrawStoreLost(lost: StoreDeclaredLost): Promise<string[]> {
  const problems: string[] = [];
  for (const { from, to } of lost.moved) {
    if (existsSync(to) && !existsSync(from)) await rename(to, from);
    if (!existsSync(from)) problems.push(`the recovery store's ${from} is not back`);
  }
  await rm(lost.declaration, { force: true });
  if (existsSync(lost.declaration)) problems.push(`the declaration ${lost.declaration} is still there`);
  return problems;
}
