import { Command, Option } from 'commander';
import { ROSTER_ROLES } from '../../config/roster-roles';
import type { CliContext, CommandRegistrar } from '../context';

/**
 * `rxdr training record`: the caller completed a security-awareness topic (HIPAA 164.308(a)(5)). The person is
 * who STS says the caller is, never a typed name; the record goes to the environment's evidence bucket, and a
 * record that cannot be written fails the command. The work lives in `lib/cli/training/` and loads only when the
 * command runs (it needs the AWS SDK).
 */
export const registerTraining: CommandRegistrar = (program: Command, context: CliContext) => {
  const training = program.command('training').description('security-awareness training records (AWS)');
  training
    .command('record')
    .description('record that you (your verified AWS identity) completed a training topic')
    .addOption(new Option('--env <name>', 'environment from config/rxdr.config.json').makeOptionMandatory())
    .addOption(
      new Option('--topic <topic>', 'the topic completed (a required topic of your role)').makeOptionMandatory(),
    )
    .addOption(new Option('--role <role>', 'your roster role').choices([...ROSTER_ROLES]).makeOptionMandatory())
    .option('--profile <name>', 'AWS named profile (default: the standard credential chain)')
    .option('--json', 'print the record as JSON')
    .action(async (_options: unknown, command: Command) =>
      (await import('../training/record-training')).recordTraining(context, command),
    );
};
