import type { Command } from 'commander';
import type { CliContext } from '../context';
import { ExitCode } from '../errors';
import { DEFAULT_EVIDENCE_DIR } from '../../local/evidence-dir';
import type { LocalRunProgress, LocalRunResult } from '../../local/local-run';
import { positiveInteger } from './flag-parsers';
import {
  abortOnSignals,
  progressPrinter,
  requireWritableEvidenceDir,
  runPassed,
  setupErrorsAsUsage,
  summary,
} from './local-options';

/** The flags `rxdr drill --local` and `rxdr failover --local` share. */
export interface LocalRunFlags {
  local?: boolean;
  prescriptions: number;
  json?: boolean;
  keep?: boolean;
  evidenceDir: string;
  archiveTimeout: number;
}

/** The help texts that differ between the local drill and the local failover. */
export interface LocalRunHelp {
  readonly local: string;
  readonly archiveTimeout: string;
  readonly keep: string;
}

/** What the command hands the local run (`runLocalDrill` and `runLocalFailover` both take it). */
export interface LocalRunCommandOptions {
  readonly prescriptions: number;
  readonly keep?: boolean;
  readonly evidenceDir: string;
  readonly archiveTimeoutSeconds: number;
  readonly signal: AbortSignal;
  readonly onProgress: (progress: LocalRunProgress) => void;
}

/** Declare `--local` and the options of a local run on a command. */
export function addLocalRunOptions(command: Command, help: LocalRunHelp): Command {
  return command
    .option('--local', help.local)
    .option(
      '--prescriptions <n>',
      'prescriptions to seed (about 7 rows each)',
      positiveInteger('--prescriptions', 10_000_000),
      5000,
    )
    .option('--archive-timeout <seconds>', help.archiveTimeout, positiveInteger('--archive-timeout', 60), 1)
    .option('--evidence-dir <dir>', 'where to write the evidence JSON', DEFAULT_EVIDENCE_DIR)
    .option('--json', 'print the evidence document on stdout instead of a summary')
    .option('--keep', help.keep);
}

/**
 * Run a local drill or failover: check the evidence directory first, abort on signals, print progress on
 * stderr and the summary (or `--json` evidence) on stdout; exit 1 when the run failed or its evidence was not
 * written, 2 when it could not be set up.
 */
export async function runLocalCommand(
  context: CliContext,
  command: 'drill' | 'failover',
  flags: LocalRunFlags,
  banner: string,
  run: (options: LocalRunCommandOptions) => Promise<LocalRunResult>,
): Promise<void> {
  const { io } = context;
  await requireWritableEvidenceDir(flags.evidenceDir);
  const controller = new AbortController();
  const removeHandlers = abortOnSignals(controller, io);
  io.err(banner);
  try {
    const result = await setupErrorsAsUsage(command, () =>
      run({
        prescriptions: flags.prescriptions,
        keep: flags.keep,
        evidenceDir: flags.evidenceDir,
        archiveTimeoutSeconds: flags.archiveTimeout,
        signal: controller.signal,
        onProgress: progressPrinter(io),
      }),
    );
    io.out(
      flags.json
        ? JSON.stringify(result.evidence, null, 2)
        : summary(result.evidence, result.evidenceLocation, result.evidenceError),
    );
    if (flags.json && result.evidenceLocation) io.err(`evidence: ${result.evidenceLocation}`);
    if (result.kept)
      io.err(`kept: ${result.kept.url} (data ${result.kept.dataDir}); stop it with: ${result.kept.stop}`);
    if (flags.json && result.evidenceError) io.err(`FAILED: ${result.evidenceError}`);
    context.exitCode = runPassed(result) ? ExitCode.Ok : ExitCode.Failed;
  } finally {
    removeHandlers();
  }
}
