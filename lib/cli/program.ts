import { Command, CommanderError } from 'commander';
import { commands } from './commands';
import { CliContext } from './context';
import { ExitCode, UsageError } from './errors';
import { CliIo, processIo } from './io';
import { TOOL_VERSION } from '../project-root';

export function buildProgram(context: CliContext): Command {
  const { io } = context;
  const program = new Command('rxdr')
    .description('Disaster recovery as code for pharmacy systems: restore drills, data validation, failover runbooks.')
    .version(TOOL_VERSION, '-V, --version', 'print the rxdr version')
    .showHelpAfterError('(run `rxdr --help` or `rxdr <command> --help` for usage)')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    // A command that has subcommands of its own may then keep its options apart from theirs
    // (`failover --local --strategy` and `failover start --strategy` accept different strategies).
    .enablePositionalOptions()
    .exitOverride();
  for (const register of commands) register(program, context);
  // Subcommands inherit the output and exit behaviour, so their usage errors exit 2 too.
  for (const command of program.commands) applyToTree(command, io);
  return program;
}

function applyToTree(command: Command, io: CliIo, parentPath = 'rxdr'): void {
  const commandPath = `${parentPath} ${command.name()}`;
  command
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError(`(run \`${commandPath} --help\` for usage)`)
    .exitOverride();
  markRequiredOptions(command);
  for (const sub of command.commands) applyToTree(sub, io, commandPath);
}

/** Commander's help does not say which options are mandatory: say it in each one's description. */
function markRequiredOptions(command: Command): void {
  for (const option of command.options) {
    if (option.mandatory && !option.description.endsWith('(required)'))
      option.description = `${option.description} (required)`;
  }
}

/** Run the CLI in-process and return its exit code (never calls process.exit, so tests can use it). */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const context: CliContext = { io, exitCode: ExitCode.Ok };
  const program = buildProgram(context);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      const benign = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
      return benign.includes(error.code) ? ExitCode.Ok : ExitCode.Usage;
    }
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof UsageError ? error.exitCode : ExitCode.Usage;
  }
}
