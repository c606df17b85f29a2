import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { GetFunctionUrlConfigCommand } from '@aws-sdk/client-lambda';
import { SignatureV4 } from '@smithy/signature-v4';
import type { GatewayRequest } from '../../engines/failover/gateway';
import { names } from '../naming';
import { awsUsageError, cliRuntime, type AwsTarget } from './aws';
import { UsageError } from './errors';

type SourceData = string | ArrayBuffer | ArrayBufferView;

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** SHA-256 (or HMAC-SHA-256 with a secret) in the shape SigV4 signing expects. */
export class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    throw new Error('not supported');
  }
}

/**
 * Send one request to the environment's runbook gateway, signed (SigV4, service `lambda`) with the caller's
 * credentials: the gateway knows who asks from the signature AWS checks, not from anything in the body.
 * A refusal (the gateway's 4xx answer) is a usage error with the gateway's reason.
 */
export async function callGateway(
  target: AwsTarget,
  request: GatewayRequest,
  profile?: string,
): Promise<Record<string, unknown>> {
  const functionName = names.runbookGatewayFunction(target.env);
  let url: URL;
  try {
    const out = await target.clients.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: functionName }));
    url = new URL(out.FunctionUrl ?? '');
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException')
      throw new UsageError(
        `the runbook gateway ${functionName} is not deployed in ${target.region}: deploy ${names.recoveryStack(target.env)} first, or check --env/--region`,
      );
    throw awsUsageError(error, target, profile);
  }
  const body = JSON.stringify(request);
  const signer = new SignatureV4({
    service: 'lambda',
    region: target.region,
    credentials: target.clients.lambda.config.credentials,
    sha256: NodeSha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-type': 'application/json' },
    body,
  });
  let response: Response;
  try {
    response = await cliRuntime.fetch(url, { method: 'POST', headers: signed.headers, body });
  } catch (error) {
    throw new UsageError(`could not reach the runbook gateway at ${url.host}: ${(error as Error).message}`);
  }
  const text = await response.text();
  let answer: Record<string, unknown> = {};
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    answer = { error: text };
  }
  if (response.status === 403 && !('error' in answer && typeof answer.error === 'string' && answer.error))
    throw new UsageError(
      `the runbook gateway refused the request signature: assume the Operator or Approver role of ${target.env.name} (${text})`,
    );
  if (!response.ok) throw new UsageError(`the runbook gateway refused: ${String(answer.error ?? text)}`);
  return answer;
}
