/**
 * The runbook gateway: the only way (break-glass aside) to start, approve or abort a failover or failback.
 * It is reached through a Lambda function URL with IAM authentication, so Lambda has checked the SigV4
 * signature and hands over the caller's principal ARN in `requestContext.authorizer.iam`: who starts and who
 * approves is what AWS verified, never what the request body says. Its role is the only one allowed to start
 * the runbook state machines and to send their task results.
 */
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StopExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import type { Clock } from '../common/clock';
import { parsePrincipal, samePerson, type Principal } from './separation';

export const GatewayConfig = z.object({
  environment: z.string().min(1),
  account: z.string().regex(/^\d{12}$/),
  stateMachines: z.object({ failover: z.string().min(1), failback: z.string().min(1) }),
  approvalParameterPrefix: z.string().startsWith('/'),
  /** Role names: Operators start, Approvers approve, break-glass may do both (and raises an alarm). */
  roles: z.object({ operator: z.string().min(1), approver: z.string().min(1), breakGlass: z.string().min(1) }),
});
export type GatewayConfig = z.infer<typeof GatewayConfig>;

const Operation = z.enum(['failover', 'failback']);
const executionName = z.string().regex(/^[A-Za-z0-9_-]{1,80}$/, 'an execution name (letters, digits, - and _)');

/** What the caller may say. Identities are not part of it: they come from the request context. */
export const GatewayRequest = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('start'),
    operation: Operation,
    name: executionName,
    input: z.record(z.string(), z.unknown()),
  }),
  z.strictObject({
    action: z.literal('approve'),
    operation: Operation,
    execution: executionName,
    comment: z.string().max(1000).optional(),
  }),
  z.strictObject({ action: z.literal('abort'), operation: Operation, execution: executionName, reason: z.string() }),
]);
export type GatewayRequest = z.infer<typeof GatewayRequest>;

/** The parts of a Lambda function URL event the gateway reads. */
export interface FunctionUrlEvent {
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { authorizer?: { iam?: { userArn?: string; accountId?: string } } };
}

export interface GatewayResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface GatewayDeps {
  config: GatewayConfig;
  sfn: SFNClient;
  ssm: SSMClient;
  clock: Pick<Clock, 'now'>;
}

class Refused extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export async function handleGatewayRequest(event: FunctionUrlEvent, deps: GatewayDeps): Promise<GatewayResponse> {
  try {
    const caller = verifiedCaller(event, deps.config);
    const request = parseRequest(event);
    const result = await dispatch(request, caller, deps);
    return respond(200, result);
  } catch (error) {
    if (error instanceof Refused) return respond(error.statusCode, { error: error.message });
    throw error;
  }
}

function respond(statusCode: number, body: unknown): GatewayResponse {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** The principal Lambda authenticated; a plain Invoke (no request context) has none and is refused. */
function verifiedCaller(event: FunctionUrlEvent, config: GatewayConfig): Principal {
  const iam = event.requestContext?.authorizer?.iam;
  if (!iam?.userArn)
    throw new Refused(401, 'no verified caller: call the IAM-authenticated function URL (rxdr failover ...)');
  const caller = parsePrincipal(iam.userArn);
  if (caller.account !== config.account || iam.accountId !== config.account)
    throw new Refused(403, `${iam.userArn} is not a principal of account ${config.account}`);
  return caller;
}

function parseRequest(event: FunctionUrlEvent): GatewayRequest {
  const text = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Refused(400, 'the request body must be JSON');
  }
  const parsed = GatewayRequest.safeParse(json);
  if (!parsed.success)
    throw new Refused(400, parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return parsed.data;
}

function roleOf(caller: Principal, config: GatewayConfig): 'operator' | 'approver' | 'breakGlass' | undefined {
  if (caller.role === config.roles.operator) return 'operator';
  if (caller.role === config.roles.approver) return 'approver';
  if (caller.role === config.roles.breakGlass) return 'breakGlass';
  return undefined;
}

async function dispatch(request: GatewayRequest, caller: Principal, deps: GatewayDeps): Promise<unknown> {
  const { config } = deps;
  const role = roleOf(caller, config);
  const machine = config.stateMachines[request.operation];
  const executionArn = (name: string) => `${machine.replace(':stateMachine:', ':execution:')}:${name}`;
  switch (request.action) {
    case 'start': {
      if (role !== 'operator' && role !== 'breakGlass')
        throw new Refused(403, `${caller.arn} may not start a ${request.operation}: assume the Operator role`);
      const input = { ...request.input, startedBy: caller.arn };
      const out = await deps.sfn.send(
        new StartExecutionCommand({ stateMachineArn: machine, name: request.name, input: JSON.stringify(input) }),
      );
      return { executionArn: out.executionArn ?? executionArn(request.name), startedBy: caller.arn };
    }
    case 'approve': {
      if (role !== 'approver' && role !== 'breakGlass')
        throw new Refused(403, `${caller.arn} may not approve a ${request.operation}: assume the Approver role`);
      const arn = executionArn(request.execution);
      const startedBy = await runningStarter(deps.sfn, arn);
      const breakGlass = role === 'breakGlass';
      if (!breakGlass && samePerson(startedBy, caller.arn))
        throw new Refused(
          403,
          `${caller.arn} started ${request.execution} (as ${startedBy}): another person must approve it`,
        );
      const approvedAt = deps.clock.now().toISOString();
      await deps.sfn.send(
        new SendTaskSuccessCommand({
          taskToken: await approvalToken(deps, request.execution),
          output: JSON.stringify({
            approvedBy: caller.arn,
            approvedAt,
            ...(request.comment ? { comment: request.comment } : {}),
            ...(breakGlass ? { breakGlass: true } : {}),
          }),
        }),
      );
      return { executionArn: arn, approvedBy: caller.arn, approvedAt, startedBy };
    }
    case 'abort': {
      if (!role) throw new Refused(403, `${caller.arn} may not abort a ${request.operation}: assume an rxdr role`);
      const arn = executionArn(request.execution);
      await runningStarter(deps.sfn, arn);
      const cause = `${caller.arn}: ${request.reason}`.slice(0, 32768);
      const token = await approvalToken(deps, request.execution).catch((e: unknown) => {
        if (e instanceof Refused) return undefined;
        throw e;
      });
      if (token) await deps.sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'Rxdr.Aborted', cause }));
      else await deps.sfn.send(new StopExecutionCommand({ executionArn: arn, error: 'Rxdr.Aborted', cause }));
      return { executionArn: arn, abortedBy: caller.arn, atApprovalGate: token !== undefined };
    }
  }
}

/** Who started a running execution: the gateway wrote it into the input from the verified caller. */
async function runningStarter(sfn: SFNClient, arn: string): Promise<string> {
  let execution;
  try {
    execution = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
  } catch (error) {
    if (error instanceof Error && error.name === 'ExecutionDoesNotExist') throw new Refused(404, `no execution ${arn}`);
    throw error;
  }
  if (execution.status !== 'RUNNING') throw new Refused(409, `execution ${arn} is ${execution.status}, not running`);
  const startedBy = (JSON.parse(execution.input ?? '{}') as { startedBy?: unknown }).startedBy;
  if (typeof startedBy !== 'string') throw new Refused(409, `execution ${arn} does not say who started it`);
  return startedBy;
}

async function approvalToken(deps: GatewayDeps, execution: string): Promise<string> {
  const name = `${deps.config.approvalParameterPrefix}/${execution}`;
  try {
    const out = await deps.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    if (out.Parameter?.Value) return out.Parameter.Value;
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ParameterNotFound')) throw error;
  }
  throw new Refused(409, `execution ${execution} is not waiting for approval (no token at ${name})`);
}
