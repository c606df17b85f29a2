/**
 * Local-mode benchmark: the local drill's restore (base backup copied + archived WAL replayed until the
 * server takes writes) against the floor measured in the same run — the same base backup's bytes copied
 * with the fastest copy on the machine (the faster of `cp -a --reflink=auto` and the concurrent kernel copy
 * of lib/local/copy-tree.ts, each timed), timed just
 * before the restore starts (both copies begin with no dirty pages pending), plus a plain
 * `pg_ctl start -w` of a cleanly stopped copy (nothing to replay). One point per size.
 * Target: restoreOverFloor between 1.0 and 1.3 at 1 GB; a ratio below 1 means the floor is not a floor
 * and fails the bench.
 *
 *   npm run bench:local [-- --sizes 100MB,1GB | --size 1GB] [-- --json]
 */
import { execFile } from 'node:child_process';
import { lstat, readdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { copyTree } from '../lib/local/copy-tree';
import { runLocalDrill } from '../lib/local/local-drill';
import { PostgresCluster } from '../lib/local/postgres-cluster';

const execFileAsync = promisify(execFile);

/**
 * Base-backup bytes ≈ FIXED + PER_PRESCRIPTION × prescriptions (fitted on this seeder: 100 000 → 170 MB,
 * 151 000 → 240 MB). The bench reports the measured size and fails when it misses the request by > 10 %.
 */
const FIXED_BYTES = 40e6;
const BYTES_PER_PRESCRIPTION = 1320;
const SIZE_TOLERANCE = 0.1;

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(KB|MB|GB)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`--sizes must look like 100MB,1GB, got '${text}'`);
  const unit = (match[2] ?? 'MB').toUpperCase();
  return Number(match[1]) * (unit === 'GB' ? 1e9 : unit === 'MB' ? 1e6 : 1e3);
}

class UsageError extends Error {}

async function treeBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) bytes += await treeBytes(full);
    else if (entry.isFile()) bytes += (await lstat(full)).size;
  }
  return bytes;
}

/** The fastest whole-tree copy here: GNU cp shares blocks where it can and copies in the kernel otherwise. */
async function fastestCopy(from: string, to: string): Promise<void> {
  try {
    await execFileAsync('cp', ['-a', '--reflink=auto', from, to]);
  } catch {
    await execFileAsync('cp', ['-a', from, to]);
  }
}

async function measure(sizeBytes: number, log: (line: string) => void) {
  const prescriptions = Math.max(500, Math.round((sizeBytes - FIXED_BYTES) / BYTES_PER_PRESCRIPTION));
  log(`bench:local — ${(sizeBytes / 1e6).toFixed(0)} MB requested: ${prescriptions} prescriptions`);
  // Floor, part 1, taken just before the restore starts, under the same conditions: the bytes the restore
  // will copy (the base backup), copied with the fastest copy, with no dirty pages pending before either copy.
  let floorCopyMs = 0;
  let cpCopyMs = 0;
  let concurrentCopyMs = 0;
  let floorBytes = 0;
  let hookMs = 0;
  const beforeRestore = async ({ archiveDir }: { archiveDir: string }) => {
    const hookBegan = Date.now();
    const baseBackupData = path.join(path.dirname(archiveDir), 'base-backups', 'backup-1', 'data');
    const floorCopy = path.join(path.dirname(archiveDir), 'floor-copy');
    // Two candidates for the fastest copy: GNU cp (one file at a time) and the concurrent kernel copy.
    const timeCopy = async (copy: () => Promise<unknown>) => {
      await execFileAsync('sync');
      const began = Date.now();
      await copy();
      const ms = Date.now() - began;
      floorBytes = await treeBytes(floorCopy);
      await rm(floorCopy, { recursive: true, force: true });
      await execFileAsync('sync');
      return ms;
    };
    cpCopyMs = await timeCopy(() => fastestCopy(baseBackupData, floorCopy));
    concurrentCopyMs = await timeCopy(() => copyTree(baseBackupData, floorCopy));
    floorCopyMs = Math.min(cpCopyMs, concurrentCopyMs);
    hookMs = Date.now() - hookBegan;
  };
  const drill = await runLocalDrill({
    prescriptions,
    keep: true,
    evidenceDir: null,
    hooks: { beforeRestore },
    onProgress: (p) =>
      log(`  ${p.phase.padEnd(22)} ${(p.durationMs / 1000).toFixed(2).padStart(7)} s  ${p.detail ?? ''}`),
  });
  const workspace = drill.workspace;
  try {
    const evidence = drill.evidence;
    const restoreMs = evidence.metrics?.restoreToAcceptingMs;
    const restoreBytes = evidence.metrics?.restoreBytes;
    if (evidence.result !== 'passed' || restoreMs === undefined || restoreBytes === undefined || !drill.kept) {
      throw new Error(`the drill did not pass, nothing to compare: ${evidence.failureReason ?? 'no restore timing'}`);
    }
    const restoredDir = drill.kept.dataDir;
    const restored = await PostgresCluster.fromDataDir(
      path.dirname(restoredDir),
      restoredDir,
      {},
      { filesOwned: true },
    );
    await restored.stop('fast');

    // Floor, part 2: a plain start of a cleanly stopped cluster of the same data (no recovery to run).
    const startBegan = Date.now();
    await restored.start();
    const floorStartMs = Date.now() - startBegan;
    await restored.stop('fast');

    const floorMs = floorCopyMs + floorStartMs;
    return {
      sizeRequestedBytes: sizeBytes,
      prescriptions,
      restoreBytes,
      floorBytes,
      sizeWithinTolerance: Math.abs(restoreBytes - sizeBytes) <= SIZE_TOLERANCE * sizeBytes,
      restoreSeconds: restoreMs / 1000,
      restoreCopySeconds: (evidence.metrics?.restoreCopyMs ?? 0) / 1000,
      floorSeconds: floorMs / 1000,
      floorCopySeconds: floorCopyMs / 1000,
      floorCopyCandidates: { cpReflinkAuto: cpCopyMs / 1000, concurrentKernelCopy: concurrentCopyMs / 1000 },
      floorStartSeconds: floorStartMs / 1000,
      restoreOverFloor: Number((restoreMs / floorMs).toFixed(3)),
      // The floor's copy ran between the disaster and the restore: not part of the drill's RTO.
      rtoSeconds: evidence.achievedRtoSeconds === undefined ? null : evidence.achievedRtoSeconds - hookMs / 1000,
      rpoSeconds: evidence.achievedRpoSeconds ?? null,
    };
  } finally {
    const dataDir = drill.kept?.dataDir;
    if (dataDir)
      await PostgresCluster.fromDataDir(path.dirname(dataDir), dataDir, {}, { filesOwned: true }).then(
        (c) => c.destroy(),
        () => undefined,
      );
    await rm(workspace, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  // `--size 1GB` is accepted for one size; anything else unknown is a usage error, never silently ignored.
  const sizesIndex = args.findIndex((a) => a === '--sizes' || a === '--size');
  const unknown = args.filter(
    (a, i) => a !== '--json' && i !== sizesIndex && !(sizesIndex >= 0 && i === sizesIndex + 1),
  );
  if (unknown.length > 0)
    throw new UsageError(`unknown argument(s) ${unknown.join(' ')}; use [--sizes 100MB,1GB] [--json]`);
  const sizes = (sizesIndex >= 0 ? (args[sizesIndex + 1] ?? '') : '100MB,1GB').split(',').map(parseSize);
  const log = (line: string) => process.stderr.write(line + '\n');
  const curve = [];
  for (const size of sizes) curve.push(await measure(size, log));
  const largest = curve[curve.length - 1];
  if (!largest) throw new UsageError('--sizes names no size');
  const problems = [
    ...curve
      .filter((p) => p.restoreOverFloor < 1)
      .map((p) => `restoreOverFloor ${p.restoreOverFloor} < 1 at ${p.restoreBytes} bytes: the floor is not a floor`),
    ...curve
      .filter((p) => !p.sizeWithinTolerance)
      .map((p) => `asked for ${p.sizeRequestedBytes} bytes, the restore copied ${p.restoreBytes} (more than 10 % off)`),
  ];
  const result = {
    restoreOverFloor: largest.restoreOverFloor,
    floorBytes: largest.floorBytes,
    restoreBytes: largest.restoreBytes,
    targetRestoreOverFloor: { min: 1.0, max: 1.3 },
    targetMet: largest.restoreOverFloor >= 1 && largest.restoreOverFloor <= 1.3,
    curve,
    problems,
  };
  if (json) process.stdout.write(JSON.stringify(result) + '\n');
  else {
    log('');
    for (const p of curve)
      log(
        `${(p.restoreBytes / 1e6).toFixed(0).padStart(5)} MB  restore ${p.restoreSeconds.toFixed(2)} s (copy ` +
          `${p.restoreCopySeconds.toFixed(2)} s)  floor ${p.floorSeconds.toFixed(2)} s (cp -a ` +
          `${p.floorCopySeconds.toFixed(2)} s + start ${p.floorStartSeconds.toFixed(2)} s)  ` +
          `restore/floor ${p.restoreOverFloor}  RTO ${p.rtoSeconds} s  RPO ${p.rpoSeconds} s`,
      );
    log(`target 1.0–1.3 at the largest size: ${result.targetMet ? 'met' : 'NOT met'}`);
  }
  for (const problem of problems) log(`bench:local: ${problem}`);
  if (problems.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:local failed: ${(error as Error).message}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
