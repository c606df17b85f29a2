import { ListExecutionsCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { names } from '../../naming';
import {
  awsUsageError,
  callerIdentity,
  describeExecution,
  executionArn,
  follow,
  resolveTarget,
  stateMachineArn,
  type AwsFlags,
  type AwsTarget,
  type FollowResult,
} from '../aws';
import type { CliContext } from '../context';
import { ExitCode, UsageError } from '../errors';
import { callGateway } from '../runbook-gateway';

/**
 * What `rxdr failover|failback plan|start|approve|abort|status` do, and the execution helpers `rxdr drill
 * start|list|show` share (`drill-actions.ts`). The commands are declared in `lib/cli/commands/runbooks.ts`; this
 * module and the AWS SDK load only when one runs.
 */
export type RunbookOperation = 'failover' | 'failback';
export type Operation = RunbookOperation | 'drill';

interface RunFlags extends AwsFlags {
  execution?: string;
  strategy?: string;
  targetTime?: string;
  reason?: string;
  force?: string;
  comment?: string;
  follow?: boolean;
}

/** Options of this command merged over its parents' (a parent `--json` counts too). */
export function flagsOf(command: Command): RunFlags {
  return command.optsWithGlobals() as RunFlags;
}

export function machineName(target: AwsTarget, operation: Operation): string {
  if (operation === 'failover') return names.failoverStateMachine(target.env);
  if (operation === 'failback') return names.failbackStateMachine(target.env);
  return names.drillStateMachine(target.env);
}

export function executionName(prefix: string, database: string | undefined): string {
  return `${prefix}-${database ?? 'all'}-${new Date().toISOString().replace(/[:.]/g, '-')}`.slice(0, 80);
}

export async function start(
  target: AwsTarget,
  operation: Operation,
  name: string,
  input: Record<string, unknown>,
  profile?: string,
): Promise<string> {
  try {
    const out = await target.clients.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: stateMachineArn(target, machineName(target, operation)),
        name,
        input: JSON.stringify(input),
      }),
    );
    return out.executionArn ?? executionArn(target, machineName(target, operation), name);
  } catch (error) {
    if (error instanceof Error && error.name === 'StateMachineDoesNotExist') {
      throw new UsageError(
        `the ${operation} state machine ${machineName(target, operation)} is not deployed in ` +
          `${target.region} (account ${target.env.account}): deploy ${names.recoveryStack(target.env)} first, ` +
          `or check --env/--region`,
      );
    }
    throw awsUsageError(error, target, profile);
  }
}

export function report(
  context: CliContext,
  result: FollowResult,
  arn: string,
  operation: Operation,
  target: AwsTarget,
  json: boolean | undefined,
): void {
  const { io } = context;
  const execution = arn.split(':').pop() ?? arn;
  if (json)
    io.out(
      JSON.stringify(
        {
          executionArn: arn,
          status: result.status,
          waitingForApproval: result.waitingForApproval,
          steps: result.steps,
          ...(result.output !== undefined ? { output: result.output } : {}),
          ...(result.error ? { error: result.error, cause: result.cause } : {}),
        },
        null,
        2,
      ),
    );
  if (result.waitingForApproval) {
    if (!json)
      io.out(
        `waiting for approval: rxdr ${operation} approve --env ${target.env.name} --execution ` +
          `${execution}\n                  or: rxdr ${operation} abort --env ${target.env.name} --execution ` +
          `${execution} --reason "<why>"`,
      );
    context.exitCode = ExitCode.Ok;
    return;
  }
  if (result.status === 'SUCCEEDED') {
    if (!json) io.out(`${operation} ${execution} SUCCEEDED`);
    context.exitCode = ExitCode.Ok;
    return;
  }
  if (!json)
    io.out(
      `${operation} ${execution} ${result.status}${result.error ? `: ${result.error}` : ''}${result.cause ? ` — ${result.cause}` : ''}`,
    );
  context.exitCode = ExitCode.Failed;
}

function printPlan(context: CliContext, plan: Record<string, unknown>): void {
  const lines = [
    `plan for ${String(plan.database)}: ${String(plan.strategy ?? 'planned switchover')} (${String(plan.decision)})`,
  ];
  const primary = plan.primary as { detail?: string } | undefined;
  if (primary?.detail) lines.push(`  primary: ${primary.detail}`);
  if (plan.expectedDataLossSeconds !== undefined)
    lines.push(
      `  expected data loss: ${plan.expectedDataLossSeconds === null ? 'unknown' : `${String(plan.expectedDataLossSeconds)} s`}`,
    );
  lines.push(`  expected duration: ${String(plan.expectedDurationSeconds)} s`);
  for (const check of (plan.checks as { name: string; ok: boolean; detail: string }[] | undefined) ?? [])
    lines.push(`  ${check.ok ? '✓' : '✗'} ${check.name}: ${check.detail}`);
  for (const warning of (plan.warnings as string[] | undefined) ?? []) lines.push(`  ! ${warning}`);
  lines.push('  steps:');
  for (const step of (plan.steps as { name: string; description: string; status?: string }[] | undefined) ?? [])
    lines.push(`    - ${step.name}: ${step.description}${step.status === 'already-done' ? ' (already done)' : ''}`);
  context.io.out(lines.join('\n'));
}

export async function listExecutions(
  context: CliContext,
  target: AwsTarget,
  operation: Operation,
  flags: RunFlags,
): Promise<void> {
  let out;
  try {
    out = await target.clients.sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: stateMachineArn(target, machineName(target, operation)),
        maxResults: 20,
      }),
    );
  } catch (error) {
    if (error instanceof Error && error.name === 'StateMachineDoesNotExist')
      throw new UsageError(`the ${operation} state machine is not deployed in ${target.region}: check --env/--region`);
    throw awsUsageError(error, target, flags.profile);
  }
  const executions = (out.executions ?? []).filter((e) => !flags.database || e.name?.includes(`-${flags.database}-`));
  if (flags.json) {
    context.io.out(
      JSON.stringify(
        executions.map((e) => ({
          name: e.name,
          status: e.status,
          startDate: e.startDate?.toISOString(),
          stopDate: e.stopDate?.toISOString(),
        })),
        null,
        2,
      ),
    );
    return;
  }
  if (executions.length === 0) context.io.out(`no ${operation} executions in ${target.region}`);
  for (const e of executions)
    context.io.out(`${(e.status ?? '').padEnd(10)} ${e.startDate?.toISOString() ?? ''}  ${e.name ?? ''}`);
}

/** Failovers and failbacks start through the runbook gateway, which records the verified caller as `startedBy`. */
async function startThroughGateway(
  target: AwsTarget,
  operation: RunbookOperation,
  name: string,
  input: Record<string, unknown>,
  profile?: string,
): Promise<string> {
  const started = await callGateway(target, { action: 'start', operation, name, input }, profile);
  return String(started.executionArn);
}

export async function planRunbook(context: CliContext, operation: RunbookOperation, command: Command): Promise<void> {
  const { io } = context;
  const flags = flagsOf(command);
  const target = resolveTarget(flags);
  await callerIdentity(target, flags.profile);
  const arn = await startThroughGateway(
    target,
    operation,
    executionName('plan', flags.database),
    {
      database: flags.database,
      dryRun: true,
      reason: 'plan (dry run)',
      ...(operation === 'failover' && flags.strategy ? { strategy: flags.strategy } : {}),
    },
    flags.profile,
  );
  const result = await follow(target, arn, io, { quiet: flags.json === true, untilEnd: true, command: operation });
  if (result.status === 'SUCCEEDED' && result.output && typeof result.output === 'object') {
    if (flags.json) io.out(JSON.stringify(result.output, null, 2));
    else printPlan(context, result.output as Record<string, unknown>);
    context.exitCode = ExitCode.Ok;
  } else report(context, result, arn, operation, target, flags.json);
}

export async function startRunbook(context: CliContext, operation: RunbookOperation, command: Command): Promise<void> {
  const { io } = context;
  const flags = flagsOf(command);
  if (flags.targetTime !== undefined && Number.isNaN(Date.parse(flags.targetTime)))
    throw new UsageError(
      `--target-time must be an ISO 8601 time such as 2026-03-03T02:55:00Z, got "${flags.targetTime}"`,
    );
  const target = resolveTarget(flags);
  await callerIdentity(target, flags.profile);
  const input = {
    database: flags.database,
    reason: flags.reason,
    ...(flags.strategy ? { strategy: flags.strategy } : {}),
    ...(flags.targetTime ? { targetTime: new Date(flags.targetTime).toISOString() } : {}),
    ...(flags.force ? { force: { reason: flags.force } } : {}),
  };
  const name = executionName(operation, flags.database);
  const arn = await startThroughGateway(target, operation, name, input, flags.profile);
  io.err(`started ${arn}`);
  if (flags.follow === false) {
    if (flags.json) io.out(JSON.stringify({ executionArn: arn }, null, 2));
    return;
  }
  report(
    context,
    await follow(target, arn, io, { quiet: flags.json === true, command: operation }),
    arn,
    operation,
    target,
    flags.json,
  );
}

export async function approveRunbook(
  context: CliContext,
  operation: RunbookOperation,
  command: Command,
): Promise<void> {
  const { io } = context;
  const flags = flagsOf(command);
  const target = resolveTarget(flags);
  await callerIdentity(target, flags.profile);
  const arn = executionArn(target, machineName(target, operation), flags.execution ?? '');
  await describeExecution(target, arn, operation);
  // The gateway takes the approver from the request signature and refuses the person who started the run.
  const approved = await callGateway(
    target,
    {
      action: 'approve',
      operation,
      execution: arn.split(':').pop() ?? '',
      ...(flags.comment ? { comment: flags.comment } : {}),
    },
    flags.profile,
  );
  const approvedBy = String(approved.approvedBy);
  io.err(`approved by ${approvedBy}`);
  if (flags.follow === false) return;
  report(
    context,
    await follow(target, arn, io, { quiet: flags.json === true, untilEnd: true, command: operation }),
    arn,
    operation,
    target,
    flags.json,
  );
}

export async function abortRunbook(context: CliContext, operation: RunbookOperation, command: Command): Promise<void> {
  const { io } = context;
  const flags = flagsOf(command);
  const target = resolveTarget(flags);
  await callerIdentity(target, flags.profile);
  const arn = executionArn(target, machineName(target, operation), flags.execution ?? '');
  const execution = await describeExecution(target, arn, operation);
  if (execution.status !== 'RUNNING')
    throw new UsageError(`execution ${arn} is already ${execution.status}: nothing to abort`);
  const aborted = await callGateway(
    target,
    { action: 'abort', operation, execution: arn.split(':').pop() ?? '', reason: flags.reason ?? '' },
    flags.profile,
  );
  const atApprovalGate = aborted.atApprovalGate === true;
  io.err(
    atApprovalGate
      ? 'aborted at the approval gate: nothing was changed'
      : `stopped mid-run: steps already done stay done; \`rxdr ${operation} start\` resumes from what it finds`,
  );
  if (flags.json) io.out(JSON.stringify({ executionArn: arn, aborted: true, atApprovalGate }, null, 2));
}

export async function runbookStatus(context: CliContext, operation: RunbookOperation, command: Command): Promise<void> {
  const { io } = context;
  const flags = flagsOf(command);
  const target = resolveTarget(flags);
  await callerIdentity(target, flags.profile);
  if (flags.execution) {
    const arn = executionArn(target, machineName(target, operation), flags.execution);
    const result = await follow(target, arn, io, { quiet: flags.json === true, command: operation });
    report(context, result, arn, operation, target, flags.json);
    if (result.status === 'RUNNING' && !result.waitingForApproval) context.exitCode = ExitCode.Ok;
    return;
  }
  await listExecutions(context, target, operation, flags);
}
