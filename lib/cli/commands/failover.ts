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

interface FailoverFlags {
  local?: boolean;
  prescriptions: number;
  json?: boolean;
  keep?: boolean;
  evidenceDir: string;
  archiveTimeout: number;
}

/** `rxdr failover --local`: primary + streaming standby under load, primary killed, standby promoted and validated. */
export const registerFailover: CommandRegistrar = (program, context) => {
  program
    .command('failover')
    .description(
      'Fail over a database: `failover plan|start|approve|abort|status --env <name>` runs the AWS runbook; `failover --local` rehearses on this machine (streaming standby under load, primary killed, standby promoted and validated).',
    )
    .option('--local', 'run the failover on this machine with embedded PostgreSQL')
    .option(
      '--prescriptions <n>',
      'prescriptions to seed (about 7 rows each)',
      positiveInteger('--prescriptions', 10_000_000),
      5000,
    )
    .option(
      '--archive-timeout <seconds>',
      'WAL archive_timeout of the primary; the RPO target is this plus 1 s',
      positiveInteger('--archive-timeout', 60),
      1,
    )
    .option('--evidence-dir <dir>', 'where to write the evidence JSON', DEFAULT_EVIDENCE_DIR)
    .option('--json', 'print the evidence document on stdout instead of a summary')
    .option('--keep', 'keep the promoted standby running and its directories')
    .action(async (flags: FailoverFlags) => {
      if (!flags.local)
        throw new UsageError(
          'say where to fail over: `rxdr failover --local` rehearses on this machine; `rxdr failover plan|start|approve|abort|status --env <name>` runs the AWS runbook (docs/runbooks/failover.md).',
        );
      const { io } = context;
      const { runLocalFailover } = await import('../../local/local-failover');
      await requireWritableEvidenceDir(flags.evidenceDir);
      const controller = new AbortController();
      const removeHandlers = abortOnSignals(controller, io);
      io.err(`rxdr failover --local: ${flags.prescriptions} prescriptions`);
      try {
        const result = await setupErrorsAsUsage('failover', () =>
          runLocalFailover({
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
    });
};
