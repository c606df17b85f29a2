import type { Command } from 'commander';
import {
  callerIdentity,
  describeExecution,
  executionArn,
  executionHistory,
  follow,
  resolveTarget,
  stepsFromHistory,
} from '../aws';
import type { CliContext } from '../context';
import { ExitCode } from '../errors';
import { executionName, flagsOf, listExecutions, machineName, report, start } from './actions';

/** What `rxdr drill start|list|show` do against the AWS restore drill state machine (loaded when one runs). */
export async function startDrill(context: CliContext, command: Command): Promise<void> {
  const { io } = context;
  const flags = flagsOf(command);
  const target = resolveTarget(flags);
  const startedBy = await callerIdentity(target, flags.profile);
  const arn = await start(
    target,
    'drill',
    executionName('drill', flags.database),
    { startedBy, ...(flags.database ? { databases: [flags.database] } : {}) },
    flags.profile,
  );
  io.err(`started ${arn}`);
  if (flags.follow === false) return;
  report(
    context,
    await follow(target, arn, io, { quiet: flags.json === true, untilEnd: true, command: 'drill' }),
    arn,
    'drill',
    target,
    flags.json,
  );
}

export async function listDrills(context: CliContext, command: Command): Promise<void> {
  const flags = flagsOf(command);
  const target = resolveTarget(flags);
  await callerIdentity(target, flags.profile);
  await listExecutions(context, target, 'drill', flags);
}

export async function showDrill(context: CliContext, id: string, command: Command): Promise<void> {
  const { io } = context;
  const flags = flagsOf(command);
  const target = resolveTarget(flags);
  await callerIdentity(target, flags.profile);
  const arn = executionArn(target, machineName(target, 'drill'), id);
  const execution = await describeExecution(target, arn, 'drill');
  const steps = stepsFromHistory(await executionHistory(target, arn));
  if (flags.json)
    io.out(
      JSON.stringify(
        {
          executionArn: arn,
          status: execution.status,
          steps,
          ...(execution.output ? { output: JSON.parse(execution.output) as unknown } : {}),
        },
        null,
        2,
      ),
    );
  else {
    io.out(
      `drill ${id}: ${execution.status ?? 'UNKNOWN'}${execution.error ? ` (${execution.error}: ${execution.cause ?? ''})` : ''}`,
    );
    for (const step of steps) {
      const mark = step.status === 'failed' ? '✗' : step.endedAt ? '✓' : '▶';
      const duration = step.durationSeconds === undefined ? '' : `${step.durationSeconds.toFixed(1).padStart(8)} s`;
      io.out(`  ${mark} ${step.name.padEnd(26)} ${duration}`.trimEnd());
    }
  }
  context.exitCode =
    execution.status === 'FAILED' || execution.status === 'ABORTED' || execution.status === 'TIMED_OUT'
      ? ExitCode.Failed
      : ExitCode.Ok;
}
