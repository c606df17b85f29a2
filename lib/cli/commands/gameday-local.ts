import type { Command } from 'commander';
import { CommandRegistrar } from '../context';
import { ExitCode, UsageError } from '../errors';
import { DEFAULT_EVIDENCE_DIR } from '../../local/evidence-dir';
import { positiveInteger } from './flag-parsers';
import {
  abortOnSignals,
  progressPrinter,
  requireWritableEvidenceDir,
  setupErrorsAsUsage,
  summary,
} from './local-options';

interface LocalGameDayFlags {
  local?: boolean;
  scenario?: string;
  answers?: string;
  prescriptions: number;
  evidenceDir: string;
  json?: boolean;
}

/**
 * `rxdr gameday --local --scenario <name> [--answers <file>]`: the failover rehearsal on this machine, the
 * operator taking the runbook's decisions. Adds its options and action to the `gameday` command (creating it
 * if no other registrar has), so the AWS subcommands can live beside it.
 */
export const registerLocalGameDay: CommandRegistrar = (program, context) => {
  const gameday: Command =
    program.commands.find((c) => c.name() === 'gameday') ??
    program.command('gameday').description('Game days: rehearse the failover runbook with a real injected fault.');
  gameday
    .option('--local', 'run the game day on this machine with embedded PostgreSQL')
    .option('--scenario <name>', 'the fault to inject (locally: primary-instance-failure)')
    .option('--answers <file>', 'take the decisions from a JSON file instead of the terminal (tests, CI)')
    .option(
      '--prescriptions <n>',
      'prescriptions to seed (local)',
      positiveInteger('--prescriptions', 10_000_000),
      2000,
    )
    .option('--evidence-dir <dir>', 'where to write the evidence and scorecard (local)', DEFAULT_EVIDENCE_DIR)
    .option('--json', 'print the scorecard on stdout instead of a summary')
    .action(async (flags: LocalGameDayFlags) => {
      if (!flags.local)
        throw new UsageError(
          'say where the game day runs: `rxdr gameday --local --scenario <name>` rehearses on this machine (docs/runbooks/game-day.md).',
        );
      const { LOCAL_GAME_DAY_SCENARIOS, runLocalGameDay } = await import('../../local/local-gameday');
      const operators = await import('../../local/gameday-operator');
      const scenario = LOCAL_GAME_DAY_SCENARIOS.find((s) => s === flags.scenario);
      if (!scenario)
        throw new UsageError(
          `${flags.scenario ? `--scenario ${flags.scenario} cannot run on one machine` : '--scenario is required'}: choose ${LOCAL_GAME_DAY_SCENARIOS.join(', ')}.`,
        );
      const { io } = context;
      let operator;
      if (flags.answers) {
        const answers = await operators.readAnswersFile(flags.answers).catch((error: Error) => {
          throw new UsageError(`${error.message}.`);
        });
        operator = operators.answersOperator(answers, (text) => io.err(text));
      } else {
        if (!process.stdin.isTTY)
          throw new UsageError(
            `no terminal to ask the operator: run it in a terminal, or pass --answers <file> with ${operators.answersExample()}.`,
          );
        operator = operators.terminalOperator(process.stdin, process.stderr);
      }
      await requireWritableEvidenceDir(flags.evidenceDir);
      const controller = new AbortController();
      const removeHandlers = abortOnSignals(controller, io);
      io.err(`rxdr gameday --local: scenario ${scenario}, ${flags.prescriptions} prescriptions`);
      try {
        const result = await setupErrorsAsUsage('failover', () =>
          runLocalGameDay({
            scenario,
            operator,
            show: (text) => io.err(text),
            prescriptions: flags.prescriptions,
            evidenceDir: flags.evidenceDir,
            signal: controller.signal,
            onProgress: progressPrinter(io),
          }),
        );
        const card = result.scorecard;
        if (flags.json) io.out(JSON.stringify(card, null, 2));
        else {
          io.out(summary(result.evidence, result.evidenceLocation, result.evidenceError));
          io.out(`GAME DAY ${card.result.toUpperCase()}  scenario ${card.scenario}`);
          for (const d of card.decisions)
            io.out(
              `  ${d.correct ? '✓' : '✗'} ${d.id.padEnd(10)} ${d.answer.padEnd(16)} ${d.seconds.toFixed(1).padStart(6)} s${d.correct ? '' : `  (expected ${d.expected})`}`,
            );
          io.out(
            `  RTO ${card.rto.achievedSeconds ?? 'n/a'} s of ${card.rto.targetSeconds} s ${card.rto.met ? 'met' : 'MISSED'}; ` +
              `RPO ${card.rpo.achievedSeconds ?? 'n/a'} s of ${card.rpo.targetSeconds} s ${card.rpo.met ? 'met' : 'MISSED'}`,
          );
          if (result.scorecardLocation) io.out(`  scorecard: ${result.scorecardLocation}`);
        }
        context.exitCode = card.result === 'passed' && !result.evidenceError ? ExitCode.Ok : ExitCode.Failed;
      } finally {
        operator.close();
        removeHandlers();
      }
    });
};
