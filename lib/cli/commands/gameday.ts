import { Command, Option } from 'commander';
import type { CliContext, CommandRegistrar } from '../context';
import { ExitCode } from '../errors';

/**
 * `rxdr gameday plan|start|status|end`: a real fault injected with AWS Fault Injection Service while the on-call
 * people run the real runbooks, recorded as evidence. The AWS work lives in `lib/cli/gameday/aws-actions.ts` and
 * loads only when a subcommand runs; a game day on one machine can join this group as another branch.
 */
type Action = 'planGameDay' | 'startGameDay' | 'gameDayStatus' | 'endGameDay';

function awsOptions(command: Command, scenario: 'required' | 'none'): Command {
  command.addOption(new Option('--env <name>', 'environment from config/rxdr.config.json').makeOptionMandatory());
  if (scenario === 'required') command.option('--scenario <name>', 'the game-day scenario (see gameDays.scenarios)');
  return command
    .option('--profile <name>', 'AWS named profile (default: the standard credential chain)')
    .option('--json', 'print one JSON document on stdout');
}

function run(context: CliContext, action: Action) {
  return async (_options: unknown, command: Command) => {
    const actions = await import('../gameday/aws-actions');
    try {
      await actions[action](context, command);
    } catch (error) {
      if (!(error instanceof actions.GameDayWriteError)) throw error;
      context.io.err(`error: ${error.message}`);
      context.exitCode = ExitCode.Failed;
    }
  };
}

export const registerGameDay: CommandRegistrar = (program: Command, context: CliContext) => {
  const gameday =
    program.commands.find((c) => c.name() === 'gameday') ??
    program.command('gameday').description('game days: rehearse the runbooks with real injected faults');
  awsOptions(
    gameday.command('plan').description('what the scenario will do, how long, and who takes part (AWS)'),
    'required',
  ).action(run(context, 'planGameDay'));
  awsOptions(
    gameday
      .command('start')
      .description('record you as facilitator and start the fault (AWS); resumes an interrupted start'),
    'required',
  ).action(run(context, 'startGameDay'));
  awsOptions(gameday.command('status').description('the timeline of the game day in progress (AWS)'), 'none').action(
    run(context, 'gameDayStatus'),
  );
  awsOptions(
    gameday
      .command('end')
      .description('stop the fault, bring the environment back to its baseline and write the scorecard (AWS)'),
    'none',
  )
    .option('--lesson <text>', 'what the game day taught (repeat for several)', (v: string, all: string[] = []) => [
      ...all,
      v,
    ])
    .action(run(context, 'endGameDay'));
};
