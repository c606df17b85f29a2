import { Command, Option } from 'commander';
import type { CliContext, CommandRegistrar } from '../context';
import { STRATEGIES } from '../../../engines/failover/strategies';

function common(command: Command, database: 'required' | 'optional' | 'none'): Command {
  command.addOption(new Option('--env <name>', 'environment from config/rxdr.config.json').makeOptionMandatory());
  if (database === 'required')
    command.addOption(new Option('--database <name>', 'the protected database').makeOptionMandatory());
  if (database === 'optional') command.option('--database <name>', 'limit to one protected database');
  return command
    .option('--region <region>', "AWS region of the runbooks (default: the environment's recovery region)")
    .option('--profile <name>', 'AWS named profile (default: the standard credential chain)')
    .option('--json', 'print one JSON document on stdout');
}

/** Checked by commander while parsing, before any AWS client exists. */
function strategyOption(): Option {
  return new Option('--strategy <strategy>', "how to recover (default: the tier's)").choices(STRATEGIES);
}

function registerRunbook(program: Command, context: CliContext, operation: 'failover' | 'failback'): void {
  const group =
    program.commands.find((c) => c.name() === operation) ??
    program.command(operation).description(`${operation} runbook (AWS): plan, start, approve, abort, status`);

  const planCommand = common(
    group.command('plan').description(`dry run in AWS: preflight (read-only) and the plan, no change`),
    'required',
  );
  if (operation === 'failover') planCommand.addOption(strategyOption());
  planCommand.action(async (_options: unknown, command: Command) =>
    (await import('../runbooks/actions')).planRunbook(context, operation, command),
  );

  const startCommand = common(
    group.command('start').description(`start the ${operation}: preflight, then it waits for approval`),
    'required',
  )
    .addOption(new Option('--reason <text>', `why you ${operation} (recorded)`).makeOptionMandatory())
    .option('--no-follow', 'return once started instead of following it to the approval gate');
  if (operation === 'failover') {
    startCommand
      .addOption(strategyOption())
      .option('--target-time <iso>', 'point-in-time: restore to this moment (default: the latest restorable time)')
      .option('--force <reason>', 'fail over even though the primary looks healthy; the reason is recorded');
  }
  startCommand.action(async (_options: unknown, command: Command) =>
    (await import('../runbooks/actions')).startRunbook(context, operation, command),
  );

  common(
    group.command('approve').description('approve an execution waiting at the approval gate, then follow it'),
    'none',
  )
    .addOption(new Option('--execution <name>', 'execution name or ARN (see `status`)').makeOptionMandatory())
    .option('--comment <text>', 'recorded with the approval')
    .option('--no-follow', 'return once approved')
    .action(async (_options: unknown, command: Command) =>
      (await import('../runbooks/actions')).approveRunbook(context, operation, command),
    );

  common(
    group.command('abort').description('abort an execution (at the approval gate nothing has changed yet)'),
    'none',
  )
    .addOption(new Option('--execution <name>', 'execution name or ARN').makeOptionMandatory())
    .addOption(new Option('--reason <text>', 'why (recorded)').makeOptionMandatory())
    .action(async (_options: unknown, command: Command) =>
      (await import('../runbooks/actions')).abortRunbook(context, operation, command),
    );

  common(group.command('status').description("recent executions, or one execution's steps with durations"), 'optional')
    .option('--execution <name>', 'execution name or ARN')
    .action(async (_options: unknown, command: Command) =>
      (await import('../runbooks/actions')).runbookStatus(context, operation, command),
    );
}

function registerDrillSubcommands(program: Command, context: CliContext): void {
  const group =
    program.commands.find((c) => c.name() === 'drill') ?? program.command('drill').description('restore drills');
  common(group.command('start').description('start the AWS restore drill state machine and follow it'), 'optional')
    .option('--no-follow', 'return once started')
    .action(async (_options: unknown, command: Command) =>
      (await import('../runbooks/drill-actions')).startDrill(context, command),
    );
  common(group.command('list').description('recent drill executions'), 'optional').action(
    async (_options: unknown, command: Command) =>
      (await import('../runbooks/drill-actions')).listDrills(context, command),
  );
  common(
    group
      .command('show')
      .description('one drill execution: steps with durations, result')
      .argument('<id>', 'execution name or ARN'),
    'none',
  ).action(async (id: string, _options: unknown, command: Command) =>
    (await import('../runbooks/drill-actions')).showDrill(context, id, command),
  );
}

/**
 * `rxdr failover|failback plan|start|approve|abort|status` and `rxdr drill start|list|show`: added to the
 * `failover` and `drill` commands the local mode registers (`--local`), or created when absent. Must come
 * after those registrars in `commands`.
 */
export const registerRunbooks: CommandRegistrar = (program, context) => {
  registerDrillSubcommands(program, context);
  registerRunbook(program, context, 'failover');
  registerRunbook(program, context, 'failback');
};
