/**
 * Local-mode benchmark: the local drill's restore phase (base backup copied + archived WAL replayed until
 * the server accepts connections) against the floor — copying the same data directory and starting
 * PostgreSQL on it, with no replay. Target: restoreOverFloor ≤ 1.3.
 *
 *   npm run bench:local [-- --size 200MB] [-- --json]
 */
import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import { copyTree } from '../lib/local/base-backup';
import { runLocalDrill } from '../lib/local/local-drill';
import { PostgresCluster } from '../lib/local/postgres-cluster';

/** Measured: a seeded prescription costs about 3 kB of data directory (rows, indexes, toast). */
const BYTES_PER_PRESCRIPTION = 3000;

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(KB|MB|GB)?$/i.exec(text.trim());
  if (!match) throw new Error(`--size must look like 200MB or 1GB, got '${text}'`);
  const unit = (match[2] ?? 'MB').toUpperCase();
  return Number(match[1]) * (unit === 'GB' ? 1e9 : unit === 'MB' ? 1e6 : 1e3);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const sizeIndex = args.indexOf('--size');
  const sizeBytes = sizeIndex >= 0 ? parseSize(args[sizeIndex + 1] ?? '') : 100e6;
  const prescriptions = Math.max(500, Math.round(sizeBytes / BYTES_PER_PRESCRIPTION));
  const log = (line: string) => process.stderr.write(line + '\n');

  log(`bench:local — ${prescriptions} prescriptions (~${(sizeBytes / 1e6).toFixed(0)} MB requested)`);
  const drill = await runLocalDrill({
    prescriptions,
    keep: true,
    evidenceDir: null,
    onProgress: (p) =>
      log(`  ${p.phase.padEnd(22)} ${(p.durationMs / 1000).toFixed(2).padStart(7)} s  ${p.detail ?? ''}`),
  });
  const workspace = drill.workspace;
  try {
    const evidence = drill.evidence;
    const restoreMs = evidence.metrics?.restoreToAcceptingMs;
    if (evidence.result !== 'passed' || restoreMs === undefined || !drill.kept) {
      throw new Error(`the drill did not pass, nothing to compare: ${evidence.failureReason ?? 'no restore timing'}`);
    }
    // Floor: the restored cluster stopped cleanly, its data directory copied and started (nothing to replay).
    const restoredDir = drill.kept.dataDir;
    const restored = await PostgresCluster.fromDataDir(path.dirname(restoredDir), restoredDir);
    await restored.stop('fast');
    const floorRoot = path.join(workspace, 'floor');
    const began = Date.now();
    const bytes = await copyTree(restoredDir, path.join(floorRoot, 'data'));
    const copiedAt = Date.now();
    const floor = await PostgresCluster.fromDataDir(floorRoot, path.join(floorRoot, 'data'));
    await floor.start();
    const floorMs = Date.now() - began;
    const floorCopyMs = copiedAt - began;
    await floor.destroy();

    const result = {
      prescriptions,
      dataDirBytes: bytes,
      restoreSeconds: restoreMs / 1000,
      restoreCopySeconds: (evidence.metrics?.restoreCopyMs ?? 0) / 1000,
      floorSeconds: floorMs / 1000,
      floorCopySeconds: floorCopyMs / 1000,
      restoreOverFloor: Number((restoreMs / floorMs).toFixed(3)),
      rtoSeconds: evidence.achievedRtoSeconds ?? null,
      rpoSeconds: evidence.achievedRpoSeconds ?? null,
      targetRestoreOverFloor: 1.3,
    };
    if (json) process.stdout.write(JSON.stringify(result) + '\n');
    else {
      log('');
      log(`data directory            ${(bytes / 1e6).toFixed(1)} MB`);
      log(
        `restore to available      ${result.restoreSeconds.toFixed(2)} s (copy ${result.restoreCopySeconds.toFixed(2)} s, replay + start the rest)`,
      );
      log(
        `floor (copy + start)      ${result.floorSeconds.toFixed(2)} s (copy ${result.floorCopySeconds.toFixed(2)} s)`,
      );
      log(`restore / floor           ${result.restoreOverFloor} (target ≤ 1.3)`);
      log(`achieved RTO / RPO        ${result.rtoSeconds} s / ${result.rpoSeconds} s`);
    }
  } finally {
    const dataDir = drill.kept?.dataDir;
    if (dataDir)
      await PostgresCluster.fromDataDir(path.dirname(dataDir), dataDir).then(
        (c) => c.destroy(),
        () => undefined,
      );
    await rm(workspace, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:local failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
