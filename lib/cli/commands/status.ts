import { Command, Option } from 'commander';
import type { CliContext, CommandRegistrar } from '../context';

/**
 * `rxdr status`: is every protected database recoverable right now? Read-only. The work lives in
 * `lib/cli/status/` and loads only when the command runs (it needs the AWS SDK).
 */
export const registerStatus: CommandRegistrar = (program: Command, context: CliContext) => {
  program
    .command('status')
    .description(
      'per database: newest recovery point in each vault vs RPO, replica lag, last drill and when the ' +
        "next is due, conformance of its instances' settings; other resources' recovery points in the " +
        'vaults; open alarms (AWS, read-only)',
    )
    .addOption(new Option('--env <name>', 'environment from config/rxdr.config.json').makeOptionMandatory())
    .option('--database <name>', 'limit to one protected database')
    .option('--region <region>', "the recovery region to read (default: the environment's)")
    .option('--profile <name>', 'AWS named profile (default: the standard credential chain)')
    .option('--json', 'print one JSON document on stdout')
    .action(async (_options: unknown, command: Command) =>
      (await import('../status/run-status')).runStatus(context, command),
    );
};
