import { BackupClient } from '@aws-sdk/client-backup';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { FisClient } from '@aws-sdk/client-fis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { KMSClient } from '@aws-sdk/client-kms';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';
import type { EnvironmentConfig } from '../config/environment-config';
import { ConfigError, loadConfigFile, selectEnvironments } from '../config/load';
import { UsageError } from './errors';
import type { CliIo } from './io';

/** The clients the operator commands use, in one region. */
export interface CliClients {
  readonly sfn: SFNClient;
  readonly ssm: SSMClient;
  readonly sts: STSClient;
  readonly s3: S3Client;
  readonly backup: BackupClient;
  readonly cloudwatch: CloudWatchClient;
  /** Finds the runbook gateway's function URL; its credentials sign the requests to it. */
  readonly lambda: LambdaClient;
  readonly rds: RDSClient;
  readonly kms: KMSClient;
  /** Game days: the Fault Injection Service experiments. */
  readonly fis: FisClient;
}

export type CliClientFactory = (options: { readonly region: string; readonly profile?: string }) => CliClients;

/** Real clients; `--profile` reads that named profile, otherwise the default credential chain. */
export const defaultClientFactory: CliClientFactory = ({ region, profile }) => {
  const config = { region, ...(profile ? { credentials: fromIni({ profile }) } : {}) };
  return {
    sfn: new SFNClient(config),
    ssm: new SSMClient(config),
    sts: new STSClient(config),
    s3: new S3Client(config),
    backup: new BackupClient(config),
    cloudwatch: new CloudWatchClient(config),
    lambda: new LambdaClient(config),
    rds: new RDSClient(config),
    kms: new KMSClient(config),
    fis: new FisClient(config),
  };
};

/** Swapped by tests (aws-sdk-client-mock also works on the default clients). */
export const cliRuntime: {
  clients: CliClientFactory;
  pollMs: number;
  sleep: (ms: number) => Promise<void>;
  fetch: typeof fetch;
} = {
  clients: defaultClientFactory,
  fetch: (input, init) => fetch(input, init),
  pollMs: 3000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface AwsFlags {
  env?: string;
  database?: string;
  region?: string;
  profile?: string;
  json?: boolean;
}

export interface AwsTarget {
  readonly env: EnvironmentConfig;
  readonly region: string;
  readonly clients: CliClients;
}

/** `--env` → the environment (an unknown name lists the known ones), clients in the recovery region (or `--region`). */
export function resolveTarget(flags: AwsFlags): AwsTarget {
  if (!flags.env)
    throw new UsageError('--env <name> is required (the environment from config/rxdr.config.json, e.g. --env prod)');
  let env: EnvironmentConfig;
  try {
    const [selected] = selectEnvironments(loadConfigFile(), [flags.env]);
    if (!selected) throw new UsageError(`unknown environment "${flags.env}"`);
    env = selected;
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.problems.join('; '));
    throw error;
  }
  if (flags.database !== undefined && !env.databases.some((db) => db.name === flags.database)) {
    throw new UsageError(
      `unknown database "${flags.database}" in environment ${env.name}; configured databases: ${env.databases.map((db) => db.name).join(', ')}`,
    );
  }
  const region = flags.region ?? env.recoveryRegion;
  return { env, region, clients: cliRuntime.clients({ region, ...(flags.profile ? { profile: flags.profile } : {}) }) };
}

/** Who is calling (recorded as startedBy / approvedBy); turns credential and network problems into exit-2 messages. */
export async function callerIdentity(target: AwsTarget, profile?: string): Promise<string> {
  try {
    const out = await target.clients.sts.send(new GetCallerIdentityCommand({}));
    return out.Arn ?? 'unknown';
  } catch (error) {
    throw awsUsageError(error, target, profile);
  }
}

export function awsUsageError(error: unknown, target: Pick<AwsTarget, 'region'>, profile?: string): Error {
  if (!(error instanceof Error)) return new UsageError(String(error));
  if (error.name === 'CredentialsProviderError' || /credential/i.test(error.message)) {
    return new UsageError(
      `no AWS credentials found${profile ? ` for profile "${profile}"` : ''}: run \`aws sso login${profile ? ` --profile ${profile}` : ''}\`, set AWS_PROFILE, or pass --profile <name> (${error.message})`,
    );
  }
  if (
    ['ExpiredToken', 'ExpiredTokenException', 'InvalidClientTokenId', 'UnrecognizedClientException'].includes(
      error.name,
    )
  ) {
    return new UsageError(
      `the AWS credentials were rejected (${error.name}): log in again (\`aws sso login\`) and retry`,
    );
  }
  if (
    ['TimeoutError', 'ENOTFOUND', 'ECONNREFUSED', 'NetworkingError'].includes(error.name) ||
    /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|getaddrinfo/.test(error.message)
  ) {
    return new UsageError(
      `cannot reach AWS in ${target.region} (${error.message}): check the network/proxy, or pass --region`,
    );
  }
  if (error.name === 'AccessDeniedException' || error.name === 'AccessDenied') {
    return new UsageError(`access denied (${error.message}): assume the rxdr operator role for this environment`);
  }
  return error;
}

export function stateMachineArn(target: AwsTarget, name: string): string {
  return `arn:aws:states:${target.region}:${target.env.account}:stateMachine:${name}`;
}

export function executionArn(target: AwsTarget, machineName: string, execution: string): string {
  return execution.startsWith('arn:')
    ? execution
    : `arn:aws:states:${target.region}:${target.env.account}:execution:${machineName}:${execution}`;
}

export async function describeExecution(
  target: AwsTarget,
  arn: string,
  command: string,
): Promise<DescribeExecutionCommandOutput> {
  try {
    return await target.clients.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
  } catch (error) {
    if (error instanceof Error && error.name === 'ExecutionDoesNotExist') {
      throw new UsageError(
        `execution not found: ${arn}; list recent executions with \`rxdr ${command} status --env ${target.env.name}\``,
      );
    }
    throw awsUsageError(error, target);
  }
}

export interface StepTiming {
  readonly name: string;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly durationSeconds?: number;
  readonly status: 'running' | 'succeeded' | 'failed';
  /** How many times the state ran (polling loops). */
  readonly runs: number;
}

/** Task steps of an execution from its history, loops folded into one line per step. */
export function stepsFromHistory(events: readonly HistoryEvent[]): StepTiming[] {
  const steps: StepTiming[] = [];
  const open = new Map<string, { startedAt: Date }>();
  for (const event of events) {
    const entered = event.type === 'TaskStateEntered' ? event.stateEnteredEventDetails?.name : undefined;
    const exited = event.type === 'TaskStateExited' ? event.stateExitedEventDetails?.name : undefined;
    if (entered && event.timestamp) {
      open.set(entered, { startedAt: event.timestamp });
      const last = steps.at(-1);
      if (!(last && last.name === entered))
        steps.push({ name: entered, startedAt: event.timestamp.toISOString(), status: 'running', runs: 0 });
    }
    if (exited && event.timestamp) {
      const index = steps.map((s) => s.name).lastIndexOf(exited);
      const step = steps[index];
      if (step)
        steps[index] = {
          ...step,
          endedAt: event.timestamp.toISOString(),
          durationSeconds: (event.timestamp.getTime() - new Date(step.startedAt).getTime()) / 1000,
          status: 'succeeded',
          runs: step.runs + 1,
        };
    }
    if (
      (event.type === 'TaskFailed' || event.type === 'TaskTimedOut' || event.type === 'LambdaFunctionFailed') &&
      steps.length > 0
    ) {
      const index = steps.length - 1;
      const step = steps[index];
      if (step && !step.endedAt && event.timestamp)
        steps[index] = {
          ...step,
          status: 'failed',
          endedAt: event.timestamp.toISOString(),
          durationSeconds: (event.timestamp.getTime() - new Date(step.startedAt).getTime()) / 1000,
          runs: step.runs + 1,
        };
    }
  }
  return steps;
}

export async function executionHistory(target: AwsTarget, arn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let token: string | undefined;
  do {
    const page = await target.clients.sfn.send(
      new GetExecutionHistoryCommand({ executionArn: arn, nextToken: token, maxResults: 1000 }),
    );
    events.push(...(page.events ?? []));
    token = page.nextToken;
  } while (token);
  return events;
}

export interface FollowResult {
  readonly status: string;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly steps: StepTiming[];
  /** The execution stopped at the approval gate (task token stored). */
  readonly waitingForApproval: boolean;
}

/**
 * Follow an execution: print each step as it starts and ends, with durations, until it ends or waits for
 * approval (unless `untilEnd`).
 */
export async function follow(
  target: AwsTarget,
  arn: string,
  io: CliIo,
  options: { quiet?: boolean; untilEnd?: boolean; command: string },
): Promise<FollowResult> {
  const printed = new Map<string, string>();
  for (;;) {
    const execution = await describeExecution(target, arn, options.command);
    const steps = stepsFromHistory(await executionHistory(target, arn));
    if (!options.quiet) {
      for (const step of steps) {
        const line = step.endedAt
          ? `  ${step.status === 'failed' ? '✗' : '✓'} ${step.name.padEnd(26)} ${(step.durationSeconds ?? 0).toFixed(1).padStart(8)} s${step.runs > 1 ? `  (${step.runs} checks)` : ''}`
          : `  ▶ ${step.name}`;
        const key = `${step.name}@${step.startedAt}`;
        if (printed.get(key) !== line && !(step.endedAt === undefined && printed.has(key))) {
          io.err(line);
          printed.set(key, line);
        }
      }
    }
    const running = steps.at(-1);
    const waitingForApproval =
      execution.status === 'RUNNING' &&
      running !== undefined &&
      !running.endedAt &&
      /RequestApproval$/.test(running.name);
    if (execution.status !== 'RUNNING' || (waitingForApproval && !options.untilEnd)) {
      return {
        status: execution.status ?? 'UNKNOWN',
        ...(execution.output ? { output: JSON.parse(execution.output) as unknown } : {}),
        ...(execution.error ? { error: execution.error } : {}),
        ...(execution.cause ? { cause: execution.cause } : {}),
        steps,
        waitingForApproval,
      };
    }
    await cliRuntime.sleep(cliRuntime.pollMs);
  }
}
