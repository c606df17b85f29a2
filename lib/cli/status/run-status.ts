import type { Command } from 'commander';
import { callerIdentity, cliRuntime, resolveTarget, type AwsFlags, type AwsTarget } from '../aws';
import { cliClock } from '../clock';
import type { CliContext } from '../context';
import { ExitCode } from '../errors';
import { collectStatus } from './collect-status';
import { renderStatus } from './render-status';

/** `rxdr status`: collect in both regions, print text or `--json`; exit 1 when anything is flagged. */
export async function runStatus(context: CliContext, command: Command): Promise<void> {
  const flags = command.optsWithGlobals() as AwsFlags;
  const recovery = resolveTarget(flags);
  await callerIdentity(recovery, flags.profile);
  const primary: AwsTarget = {
    env: recovery.env,
    region: recovery.env.primaryRegion,
    clients: cliRuntime.clients({
      region: recovery.env.primaryRegion,
      ...(flags.profile ? { profile: flags.profile } : {}),
    }),
  };
  const report = await collectStatus(recovery, primary, flags, cliClock.now());
  if (flags.json) context.io.out(JSON.stringify(report, null, 2));
  else context.io.out(renderStatus(report));
  context.exitCode = report.ok ? ExitCode.Ok : ExitCode.Failed;
}
