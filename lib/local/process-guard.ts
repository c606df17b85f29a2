import { spawn } from 'node:child_process';
import { writeFileSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive } from './processes';

/**
 * What a local run leaves behind if its own process dies without cleaning up (SIGKILL, OOM, a crash in
 * native code): PostgreSQL servers, started detached by pg_ctl, and temporary directories.
 *
 * `ProcessGuard` starts a small watchdog process (detached, in its own process group, ignoring SIGINT/TERM/HUP)
 * that polls the run's pid. When the run disappears without having released the guard, the watchdog stops
 * every registered server (SIGQUIT to the postmaster = immediate shutdown, then SIGKILL to it and its
 * children) and deletes the registered directories. On a normal end, `release()` stops the watchdog.
 */
export class ProcessGuard {
  static start(registryDir: string): ProcessGuard {
    const registry = path.join(registryDir, 'guard.json');
    const guard = new ProcessGuard(registry);
    guard.write();
    const child = spawn(process.execPath, ['-e', WATCHDOG_SOURCE, String(process.pid), registry], {
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
    if (child.pid === undefined) throw new Error('could not start the cleanup watchdog process');
    guard.watchdogPid = child.pid;
    return guard;
  }

  private dataDirs: string[] = [];
  private dirs: string[] = [];
  private watchdogPid: number | undefined;

  private constructor(private readonly registry: string) {}

  get pid(): number | undefined {
    return this.watchdogPid;
  }

  /** Stop the server in this data directory if the run dies (read from its postmaster.pid then). */
  watchDataDir(dataDir: string): void {
    if (!this.dataDirs.includes(dataDir)) this.dataDirs.push(dataDir);
    this.write();
  }

  /** Remove this directory if the run dies (after the servers are stopped). */
  watchDir(dir: string): void {
    if (!this.dirs.includes(dir)) this.dirs.push(dir);
    this.write();
  }

  /** Stop guarding this directory (the run kept it on purpose, `--keep`). */
  forgetDir(dir: string): void {
    this.dirs = this.dirs.filter((d) => d !== dir);
    this.dataDirs = this.dataDirs.filter((d) => !d.startsWith(dir));
    this.write();
  }

  /** The run cleaned up itself: stop the watchdog. */
  release(): void {
    const pid = this.watchdogPid;
    this.watchdogPid = undefined;
    if (pid !== undefined && isProcessAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  private write(): void {
    const temp = `${this.registry}.tmp`;
    writeFileSync(temp, JSON.stringify({ dataDirs: this.dataDirs, dirs: this.dirs }));
    renameSync(temp, this.registry);
  }
}

/** The watchdog, plain JavaScript so it runs with `node -e` without ts-node. */
const WATCHDOG_SOURCE = String.raw`
const fs = require('fs');
const [parentPid, registry] = process.argv.slice(1).map((v, i) => (i === 0 ? Number(v) : v));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => undefined);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
const children = (pid) => {
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync('/proc/' + entry + '/stat', 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) found.push(Number(entry));
    } catch (e) {}
  }
  return found;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let cleaning = false;
async function cleanUp() {
  if (cleaning) return;
  cleaning = true;
  let state = { dataDirs: [], dirs: [] };
  try { state = JSON.parse(fs.readFileSync(registry, 'utf8')); } catch (e) {}
  for (const dataDir of state.dataDirs) {
    let pid;
    try { pid = Number(fs.readFileSync(dataDir + '/postmaster.pid', 'utf8').split('\n')[0]); } catch (e) { continue; }
    if (!(pid > 0) || !alive(pid)) continue;
    const kids = children(pid);
    try { process.kill(pid, 'SIGQUIT'); } catch (e) {}
    for (let i = 0; i < 40 && alive(pid); i++) await sleep(50);
    for (const p of [pid, ...kids]) { try { process.kill(p, 'SIGKILL'); } catch (e) {} }
  }
  for (const dir of state.dirs) { try { fs.rmSync(dir, { recursive: true, force: true }); } catch (e) {} }
  try { fs.rmSync(registry, { force: true }); } catch (e) {}
  process.exit(0);
}
const zombie = (pid) => { try { const s = fs.readFileSync('/proc/' + pid + '/stat', 'utf8'); return s[s.lastIndexOf(')') + 2] === 'Z'; } catch (e) { return false; } };
setInterval(() => { if (!alive(parentPid) || zombie(parentPid)) void cleanUp(); }, 200);
`;
