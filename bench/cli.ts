/**
 * CLI start-up: wall time (best of 5) and peak memory of `node bin/rxdr --version` and `bin/rxdr --help` (the
 * installed command, through its shebang), on the JavaScript `npm run build` wrote. Targets: ≤ 0.2 s, ≤ 80 MB.
 *
 *   npm run bench:cli [-- --json] [-- --runs 5]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'rxdr');
const MAX_RSS_PRELOAD = path.join(__dirname, 'report-max-rss.js');
const TARGET_SECONDS = 0.2;
const TARGET_MB = 80;

interface Case {
  readonly name: string;
  readonly command: string;
  readonly args: string[];
}

const CASES: Case[] = [
  { name: 'node bin/rxdr --version', command: process.execPath, args: [BIN, '--version'] },
  { name: 'rxdr --help', command: BIN, args: ['--help'] },
];

interface Measured {
  readonly name: string;
  readonly bestSeconds: number;
  readonly medianSeconds: number;
  readonly peakMemoryMb: number;
  readonly withinTarget: boolean;
}

function measure(c: Case, runs: number): Measured {
  const env = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}` };
  const seconds: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = process.hrtime.bigint();
    const result = spawnSync(c.command, c.args, { env, stdio: 'ignore' });
    seconds.push(Number(process.hrtime.bigint() - started) / 1e9);
    if (result.status !== 0) throw new Error(`${c.name} exited ${String(result.status)}`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'rxdr-bench-cli-'));
  const file = path.join(dir, 'max-rss');
  try {
    spawnSync(c.command, c.args, {
      stdio: 'ignore',
      env: {
        ...env,
        RXDR_BENCH_MAX_RSS_FILE: file,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${MAX_RSS_PRELOAD}`.trim(),
      },
    });
    const peakMemoryMb = Number(readFileSync(file, 'utf8')) / 1024;
    const sorted = [...seconds].sort((a, b) => a - b);
    const bestSeconds = sorted[0] ?? Number.NaN;
    return {
      name: c.name,
      bestSeconds: round(bestSeconds, 3),
      medianSeconds: round(sorted[Math.floor(sorted.length / 2)] ?? Number.NaN, 3),
      peakMemoryMb: round(peakMemoryMb, 1),
      withinTarget: bestSeconds <= TARGET_SECONDS && peakMemoryMb <= TARGET_MB,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

function main(): void {
  const argv = process.argv.slice(2);
  const json = argv.includes('--json');
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 5;
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a whole number ≥ 1, got ${argv[runsAt + 1]}`);
  // Measure what users run: the build `npm ci` makes, from the current source.
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.js')], { stdio: 'ignore' });
  const results = CASES.map((c) => measure(c, runs));
  const withinTarget = results.every((r) => r.withinTarget);
  // Node.js itself, doing nothing: on a busy machine every figure rises with it.
  const baseline = measure({ name: 'node -e 0', command: process.execPath, args: ['-e', '0'] }, runs);
  if (json) {
    process.stdout.write(
      JSON.stringify(
        {
          node: process.versions.node,
          runs,
          targetSeconds: TARGET_SECONDS,
          targetMb: TARGET_MB,
          withinTarget,
          results,
          nodeBaseline: { bestSeconds: baseline.bestSeconds, peakMemoryMb: baseline.peakMemoryMb },
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    process.stdout.write(`CLI start-up, best of ${runs} (target ≤ ${TARGET_SECONDS} s and ≤ ${TARGET_MB} MB)\n`);
    for (const r of results)
      process.stdout.write(
        `  ${r.name.padEnd(26)} ${r.bestSeconds.toFixed(3)} s (median ${r.medianSeconds.toFixed(3)} s)   peak ${r.peakMemoryMb.toFixed(1)} MB\n`,
      );
    process.stdout.write(
      `  ${'(node -e 0, for scale)'.padEnd(26)} ${baseline.bestSeconds.toFixed(3)} s (median ${baseline.medianSeconds.toFixed(3)} s)   peak ${baseline.peakMemoryMb.toFixed(1)} MB\n`,
    );
    process.stdout.write(withinTarget ? 'within target\n' : 'OVER TARGET\n');
  }
  if (!withinTarget) process.exitCode = 1;
}

try {
  main();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
