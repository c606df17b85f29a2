import { mkdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { EvidenceDocument } from '../../../engines/evidence/schema';
import type { CliIo } from '../io';
import type { LocalRunProgress, LocalRunResult } from '../../local/local-drill';
import { UsageError } from '../errors';

/** Progress lines on stderr: `  phase   1.23 s  detail`. */
export function progressPrinter(io: CliIo): (progress: LocalRunProgress) => void {
  return ({ phase, durationMs, detail }) =>
    io.err(`  ${phase.padEnd(22)} ${(durationMs / 1000).toFixed(2).padStart(7)} s  ${detail ?? ''}`.trimEnd());
}

/**
 * Evidence is what a drill produces: find out before the work starts that it can be written (exit 2).
 * The probe file is removed again; the directory stays.
 */
export async function requireWritableEvidenceDir(dir: string): Promise<void> {
  const probe = path.join(dir, `.rxdr-write-check-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    throw new UsageError(
      `--evidence-dir ${dir} is not writable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): pass a directory you can write to.`,
    );
  }
}

/**
 * A local run records every failure of the drill or failover itself in its evidence; what it throws comes
 * from setting up (the primary, the seed, the load, the backup, the standby) before there was anything to
 * record. Say so and exit 2; the run has removed what it started.
 */
export async function setupErrorsAsUsage<T>(command: 'drill' | 'failover', run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (/^aborted/.test((error as Error).message))
      throw new UsageError(`the local ${command} was ${(error as Error).message}; everything it started was removed.`);
    throw new UsageError(
      `the local ${command} could not be set up: ${(error as Error).message}. Nothing was ${command === 'drill' ? 'drilled' : 'failed over'}; everything it started was removed.`,
    );
  }
}

/** The outcome of a local run: failed when the run failed or its evidence could not be written. */
export function runPassed(result: LocalRunResult): boolean {
  return result.evidence.result === 'passed' && !result.evidenceError;
}

/** The human summary of a drill or failover, on stdout. */
export function summary(evidence: EvidenceDocument, location?: string, evidenceError?: string): string {
  const passed = evidence.result === 'passed' && !evidenceError;
  const lines = [
    `${passed ? 'PASSED' : 'FAILED'}  ${evidence.provider} ${evidence.kind} of '${evidence.database}' (tier ${evidence.tier}, run ${evidence.runId})`,
    `  achieved RTO ${fmt(evidence.achievedRtoSeconds)} (target ${evidence.targets.rtoSeconds} s)   achieved RPO ${fmt(evidence.achievedRpoSeconds)} (target ${evidence.targets.rpoSeconds} s)`,
    `  checks: ${evidence.checks.filter((c) => c.status === 'passed').length}/${evidence.checks.length} passed`,
  ];
  for (const check of evidence.checks.filter((c) => c.status === 'failed' || c.status === 'error'))
    lines.push(`    ✗ ${check.id}: ${check.message}`);
  if (evidence.failureReason) lines.push(`  reason: ${evidence.failureReason}`);
  lines.push(
    `  cleanup: ${evidence.cleanup.status}${evidence.cleanup.message ? ` (${evidence.cleanup.message})` : ''}`,
  );
  if (location) lines.push(`  evidence: ${location}`);
  if (evidenceError) lines.push(`  evidence: NOT WRITTEN — ${evidenceError}`);
  return lines.join('\n');
}

function fmt(seconds: number | undefined): string {
  return seconds === undefined ? 'n/a' : `${seconds.toFixed(2)} s`;
}

/**
 * Abort on SIGINT/SIGTERM so the run cleans up; a second signal leaves at once (the watchdog then removes
 * servers and directories). Returns a function that removes the handlers.
 */
export function abortOnSignals(controller: AbortController, io: CliIo): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals) => {
    received += 1;
    if (received > 1) process.exit(130);
    io.err(`received ${signal}: stopping and cleaning up (send it again to leave at once)`);
    controller.abort(new Error(`received ${signal}`));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
