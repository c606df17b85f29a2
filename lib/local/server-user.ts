import { execFile } from 'node:child_process';
import { chown, lstat, readdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The OS user the PostgreSQL server runs as, and how to hand it files. */
export interface ServerUser {
  readonly name: string;
  /** Options for child_process calls that run a server binary. */
  spawnOptions(): { uid?: number; gid?: number; env: NodeJS.ProcessEnv; cwd: string };
  /** Give the server user ownership of a path (a no-op when not running as root). */
  own(target: string, options?: { recursive?: boolean }): Promise<void>;
  /** A shell command that runs `command` as the server user from this user's shell (`pg_ctl` refuses root). */
  shellCommand(command: string): string;
}

const UNPRIVILEGED_USER = 'postgres';
let cached: Promise<ServerUser> | undefined;

/**
 * PostgreSQL refuses to run as root. As root (CI, containers) we run the server binaries as the `postgres`
 * user, creating it when the machine has none; otherwise as ourselves.
 */
export function serverUser(): Promise<ServerUser> {
  cached ??= resolveServerUser();
  return cached;
}

async function resolveServerUser(): Promise<ServerUser> {
  const me = userInfo();
  if (me.uid !== 0) {
    return {
      name: me.username,
      spawnOptions: () => ({ env: process.env, cwd: '/' }),
      own: async () => undefined,
      shellCommand: (command) => command,
    };
  }
  const { uid, gid } = await lookupOrCreateUser(UNPRIVILEGED_USER);
  const env = { ...process.env, HOME: '/tmp', USER: UNPRIVILEGED_USER, LOGNAME: UNPRIVILEGED_USER };
  return {
    name: UNPRIVILEGED_USER,
    spawnOptions: () => ({ uid, gid, env, cwd: '/' }),
    shellCommand: (command) => `runuser -u ${UNPRIVILEGED_USER} -- ${command}`,
    own: async (target, options) => {
      if (options?.recursive) await chownTree(target, uid, gid);
      else await chown(target, uid, gid);
    },
  };
}

async function lookupOrCreateUser(name: string): Promise<{ uid: number; gid: number }> {
  try {
    return await idOf(name);
  } catch {
    await execFileAsync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name]);
    return idOf(name);
  }
}

async function idOf(name: string): Promise<{ uid: number; gid: number }> {
  const uid = Number((await execFileAsync('id', ['-u', name])).stdout.trim());
  const gid = Number((await execFileAsync('id', ['-g', name])).stdout.trim());
  return { uid, gid };
}

async function chownTree(target: string, uid: number, gid: number): Promise<void> {
  await chown(target, uid, gid);
  const stat = await lstat(target);
  if (!stat.isDirectory()) return;
  for (const entry of await readdir(target)) await chownTree(path.join(target, entry), uid, gid);
}
