import { CommandRegistrar } from '../context';
import { ExitCode, UsageError } from '../errors';
import { DEFAULT_EVIDENCE_DIR } from '../../local/evidence-dir';
import { positiveInteger } from './flag-parsers';
import {
  abortOnSignals,
  progressPrinter,
  requireWritableEvidenceDir,
  runPassed,
  setupErrorsAsUsage,
  summary,
} from './local-options';

interface DrillFlags {
  local?: boolean;
  prescriptions: number;
  json?: boolean;
  keep?: boolean;
  evidenceDir: string;
  archiveTimeout: number;
}

/** `rxdr drill --local`: the whole backup → PITR restore → validate drill on this machine. */
export const registerDrill: CommandRegistrar = (program, context) => {
  program
    .command('drill')
    .description(
      'Restore drills: `drill start|list|show --env <name>` runs the AWS drill; `drill --local` runs one on this machine (WAL-archiving primary under load, disaster, point-in-time restore, validation, evidence).',
    )
    .option('--local', 'run the drill on this machine with embedded PostgreSQL (no AWS account needed)')
    .option(
      '--prescriptions <n>',
      'prescriptions to seed (about 7 rows each)',
      positiveInteger('--prescriptions', 10_000_000),
      5000,
    )
    .option(
      '--archive-timeout <seconds>',
      'WAL archive_timeout; the RPO target is this plus 1 s',
      positiveInteger('--archive-timeout', 60),
      1,
    )
    .option('--evidence-dir <dir>', 'where to write the evidence JSON', DEFAULT_EVIDENCE_DIR)
    .option('--json', 'print the evidence document on stdout instead of a summary')
    .option('--keep', 'keep the restored cluster running and its directories (prints how to reach and stop it)')
    .action(async (flags: DrillFlags) => {
      if (!flags.local) {
        throw new UsageError(
          'say where to drill: `rxdr drill --local` runs one on this machine; `rxdr drill start|list|show --env <name>` runs and follows the AWS drill (docs/runbooks/restore-drill.md).',
        );
      }
      const { io } = context;
      const { runLocalDrill } = await import('../../local/local-drill');
      await requireWritableEvidenceDir(flags.evidenceDir);
      const controller = new AbortController();
      const removeHandlers = abortOnSignals(controller, io);
      io.err(`rxdr drill --local: ${flags.prescriptions} prescriptions, archive_timeout ${flags.archiveTimeout} s`);
      try {
        const result = await setupErrorsAsUsage('drill', () =>
          runLocalDrill({
            prescriptions: flags.prescriptions,
            keep: flags.keep,
            evidenceDir: flags.evidenceDir,
            archiveTimeoutSeconds: flags.archiveTimeout,
            signal: controller.signal,
            onProgress: progressPrinter(io),
          }),
        );
        if (flags.json) io.out(JSON.stringify(result.evidence, null, 2));
        else io.out(summary(result.evidence, result.evidenceLocation, result.evidenceError));
        if (flags.json && result.evidenceLocation) io.err(`evidence: ${result.evidenceLocation}`);
        if (result.kept)
          io.err(`kept: ${result.kept.url} (data ${result.kept.dataDir}); stop it with: ${result.kept.stop}`);
        if (flags.json && result.evidenceError) io.err(`FAILED: ${result.evidenceError}`);
        context.exitCode = runPassed(result) ? ExitCode.Ok : ExitCode.Failed;
      } finally {
        removeHandlers();
      }
    });
};
