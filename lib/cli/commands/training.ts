import { Command, Option } from 'commander';
import { S3PeopleStore } from '../../../engines/readiness/people-store';
import { PEOPLE_RECORD_SCHEMA_VERSION, TrainingRecord } from '../../../engines/readiness/records';
import { ROSTER_ROLES, type RosterRole } from '../../config/readiness';
import { names } from '../../naming';
import { awsUsageError, callerIdentity, resolveTarget, type AwsFlags } from '../aws';
import type { CliContext, CommandRegistrar } from '../context';
import { ExitCode, UsageError } from '../errors';

interface TrainingFlags extends AwsFlags {
  topic: string;
  role: RosterRole;
}

/**
 * `rxdr training record`: the caller completed a security-awareness topic (HIPAA 164.308(a)(5)). The person is
 * who STS says the caller is, never a typed name; the record goes to the environment's evidence bucket, and a
 * record that cannot be written fails the command.
 */
export const registerTraining: CommandRegistrar = (program: Command, context: CliContext) => {
  const training = program.command('training').description('security-awareness training records (AWS)');
  training
    .command('record')
    .description('record that you (your verified AWS identity) completed a training topic')
    .addOption(new Option('--env <name>', 'environment from config/rxdr.config.json').makeOptionMandatory())
    .addOption(
      new Option('--topic <topic>', 'the topic completed (rxdr plan lists the required ones)').makeOptionMandatory(),
    )
    .addOption(new Option('--role <role>', 'your roster role').choices([...ROSTER_ROLES]).makeOptionMandatory())
    .option('--profile <name>', 'AWS named profile (default: the standard credential chain)')
    .option('--json', 'print the record as JSON')
    .action(async (_options: unknown, command: Command) => {
      const flags = command.optsWithGlobals() as TrainingFlags;
      const target = resolveTarget(flags);
      const env = target.env;
      const required = env.training.topics[flags.role];
      if (!required.includes(flags.topic))
        throw new UsageError(
          `"${flags.topic}" is not a training topic for the ${flags.role} role in ${env.name}; required topics: ${required.join(', ')}`,
        );
      const person = await callerIdentity(target, flags.profile);
      const roster = flags.role === 'engineer' ? env.onCall.engineers : env.onCall.approvers;
      if (!roster.some((p) => p.arn === person))
        throw new UsageError(
          `${person} is not on the ${env.name} on-call roster as ${flags.role === 'engineer' ? 'an engineer' : 'an approver'} (onCall.${flags.role}s): add the person to the configuration first`,
        );
      const record: TrainingRecord = {
        schemaVersion: PEOPLE_RECORD_SCHEMA_VERSION,
        kind: 'training',
        environment: env.name,
        person,
        role: flags.role,
        topic: flags.topic,
        completedAt: new Date().toISOString(),
        toolVersion: rootVersion(command),
      };
      let location: string;
      try {
        location = await new S3PeopleStore(target.clients.s3, names.evidenceBucket(env)).put(record);
      } catch (error) {
        const mapped = awsUsageError(error, target, flags.profile);
        context.io.err(`training record NOT written: ${mapped.message}`);
        context.exitCode = mapped.name === 'UsageError' ? ExitCode.Usage : ExitCode.Failed;
        return;
      }
      if (flags.json) context.io.out(JSON.stringify({ ...record, location }, null, 2));
      else context.io.out(`recorded: ${person} completed "${flags.topic}" (${flags.role}) → ${location}`);
      context.exitCode = ExitCode.Ok;
    });
};

/** The version `rxdr --version` prints (the root program holds it). */
function rootVersion(command: Command): string {
  let root = command;
  while (root.parent) root = root.parent;
  return root.version() ?? 'unknown';
}
