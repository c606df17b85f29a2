import type { Command } from 'commander';
import { S3PeopleStore } from '../../../engines/readiness/people-store';
import { PEOPLE_RECORD_SCHEMA_VERSION, TrainingRecord } from '../../../engines/readiness/records';
import type { RosterRole } from '../../config/roster-roles';
import { names } from '../../naming';
import { awsUsageError, callerIdentity, resolveTarget, type AwsFlags } from '../aws';
import type { CliContext } from '../context';
import { ExitCode, UsageError } from '../errors';

interface TrainingFlags extends AwsFlags {
  topic: string;
  role: RosterRole;
}

/** `rxdr training record`: the caller's verified identity, on the roster in that role, completed a required topic. */
export async function recordTraining(context: CliContext, command: Command): Promise<void> {
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
}

/** The version `rxdr --version` prints (the root program holds it). */
function rootVersion(command: Command): string {
  let root = command;
  while (root.parent) root = root.parent;
  return root.version() ?? 'unknown';
}
