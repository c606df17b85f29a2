import type { Command } from 'commander';
import { CommandRegistrar } from '../context';
import { ExitCode, UsageError } from '../errors';
import { DEFAULT_EVIDENCE_DIR } from '../../local/evidence-dir';
import { AURORA_POSTGRESQL, LOCAL_ENGINES } from '../../local/local-engines';
import { oneOf, positiveInteger } from './flag-parsers';
import { localEngineChoice, type LocalEngineFlags } from './local-engine';
import {
  abortOnSignals,
  progressPrinter,
  requireWritableEvidenceDir,
  setupErrorsAsUsage,
  summary,
} from './local-options';

interface LocalGameDayFlags extends LocalEngineFlags {
  local?: boolean;
  scenario?: string;
  answers?: string;
  prescriptions: number;
  evidenceDir: string;
  lesson?: string[];
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
    .option(
      '--scenario <name>',
      'the fault to inject (locally: primary-instance-failure, primary-region-unreachable, ' +
        'recovery-point-deletion-attempt, isolated-copy-restore)',
    )
    .option(
      '--engine <engine>',
      `with --local: ${LOCAL_ENGINES.join(' or ')} (default postgres); ${AURORA_POSTGRESQL} rehearses a cluster in the ` +
        'failover scenarios: its failover strategies, then its failback',
      oneOf('--engine', LOCAL_ENGINES, 'an engine the local game day rehearses'),
    )
    .option(
      '--clients-use-global-writer-endpoint',
      `with --local (an ${AURORA_POSTGRESQL} cluster): clients connect through the global database's writer ` +
        'endpoint, which the failover and the failback move with the writer',
    )
    .option('--answers <file>', 'take the decisions from a JSON file instead of the terminal (tests, CI)')
    .option(
      '--prescriptions <n>',
      'prescriptions to seed (local)',
      positiveInteger('--prescriptions', 10_000_000),
      2000,
    )
    .option('--evidence-dir <dir>', 'where to write the failover and game-day evidence (local)', DEFAULT_EVIDENCE_DIR)
    .option(
      '--lesson <text>',
      'what the game day taught (local; repeat for several)',
      (v: string, all: string[] = []) => [...all, v],
    )
    .option('--json', 'print the game-day evidence document on stdout instead of a summary')
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
      const engine = localEngineChoice(flags);
      const { isStoreScenario, LOCAL_FAILOVER_SCENARIOS } = await import('../../local/gameday-faults');
      if (engine === AURORA_POSTGRESQL && isStoreScenario(scenario))
        throw new UsageError(
          `--scenario ${scenario} drills the recovery store of an instance: a cluster's game day on one machine is ` +
            `${LOCAL_FAILOVER_SCENARIOS.join(' or ')}; drop --engine ${AURORA_POSTGRESQL}` +
            `${flags.clientsUseGlobalWriterEndpoint ? ' and --clients-use-global-writer-endpoint' : ''} or choose one of those.`,
        );
      const { io } = context;
      const decisions = operators.decisionsFor(scenario, engine);
      let operator;
      if (flags.answers) {
        const answers = await operators.readAnswersFile(flags.answers, scenario, engine).catch((error: Error) => {
          throw new UsageError(`${error.message}.`);
        });
        operator = operators.answersOperator(answers, (text) => io.err(text), decisions);
      } else {
        if (!process.stdin.isTTY)
          throw new UsageError(
            `no terminal to ask the operator: run it in a terminal, or pass --answers <file> with ${operators.answersExample(scenario, engine)}.`,
          );
        operator = operators.terminalOperator(process.stdin, process.stderr, decisions);
      }
      await requireWritableEvidenceDir(flags.evidenceDir);
      const controller = new AbortController();
      const removeHandlers = abortOnSignals(controller, io);
      const clients = flags.clientsUseGlobalWriterEndpoint ? ' --clients-use-global-writer-endpoint' : '';
      io.err(
        `rxdr gameday --local${engine ? ` --engine ${engine}` : ''}${clients}: scenario ${scenario}, ` +
          `${flags.prescriptions} prescriptions`,
      );
      try {
        const result = await setupErrorsAsUsage(isStoreScenario(scenario) ? 'drill' : 'failover', () =>
          runLocalGameDay({
            scenario,
            operator,
            engine,
            clientsUseGlobalWriterEndpoint: flags.clientsUseGlobalWriterEndpoint,
            show: (text) => io.err(text),
            prescriptions: flags.prescriptions,
            evidenceDir: flags.evidenceDir,
            lessons: (flags.lesson ?? []).map((l) => l.trim()).filter((l) => l.length > 0),
            signal: controller.signal,
            onProgress: progressPrinter(io),
          }),
        );
        const doc = result.gameDay;
        const record = doc.gameDay;
        if (flags.json) io.out(JSON.stringify({ ...doc, location: result.gameDayLocation }, null, 2));
        else {
          io.out(summary(result.evidence, result.evidenceLocation, result.evidenceError));
          io.out(`GAME DAY ${doc.result.toUpperCase()}  scenario ${scenario}`);
          for (const d of record?.decisions ?? [])
            io.out(
              `  ${d.correct ? '✓' : '✗'} ${d.id.padEnd(10)} ${d.answer.padEnd(16)} ${d.seconds.toFixed(1).padStart(6)} s${d.correct ? '' : `  (expected ${d.expected})`}`,
            );
          for (const m of record?.timeline ?? [])
            io.out(`  ${m.name.padEnd(22)} ${m.sinceFaultSeconds === undefined ? '—' : `+${m.sinceFaultSeconds} s`}`);
          io.out(
            `  time to recover ${record?.timeToRecoverSeconds ?? 'n/a'} s of ${doc.targets.rtoSeconds} s; ` +
              `RPO ${doc.achievedRpoSeconds ?? 'n/a'} s of ${doc.targets.rpoSeconds} s`,
          );
          if (doc.failureReason) io.out(`  ${doc.failureReason}`);
          if (result.gameDayLocation) io.out(`  game-day evidence: ${result.gameDayLocation}`);
        }
        if (result.evidenceError) io.err(`FAILED: ${result.evidenceError}`);
        context.exitCode = doc.result === 'passed' && !result.evidenceError ? ExitCode.Ok : ExitCode.Failed;
      } finally {
        operator.close();
        removeHandlers();
      }
    });
};
