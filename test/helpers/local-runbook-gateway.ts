import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { SignatureV4 } from '@smithy/signature-v4';
import { handleGatewayRequest, type GatewayConfig } from '../../engines/failover/gateway';
import { NodeSha256 } from '../../lib/cli/runbook-gateway';

/** An access key IAM knows: its secret and the principal it authenticates as. */
export interface KnownKey {
  readonly secret: string;
  readonly arn: string;
}

type LocalRunbookGateway = Awaited<ReturnType<typeof startLocalRunbookGateway>>;

/**
 * The local function URL for a CLI test file: started before its tests with the process's AWS profile, session
 * token and endpoint cleared (the CLI must sign with the test's keys), closed after them with the environment
 * restored.
 */
export function useLocalRunbookGateway(
  keys: Record<string, KnownKey>,
  config: GatewayConfig,
  region: string,
): () => LocalRunbookGateway {
  let gateway: LocalRunbookGateway | undefined;
  const savedEnv = { ...process.env };
  beforeAll(async () => {
    for (const name of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ENDPOINT_URL']) delete process.env[name];
    gateway = await startLocalRunbookGateway(keys, config, region);
  });
  afterAll(async () => {
    await gateway?.close();
    process.env = savedEnv;
  });
  return () => {
    if (!gateway) throw new Error('useLocalRunbookGateway(): the gateway runs only inside tests');
    return gateway;
  };
}

/** The CLI signs in with `accessKeyId` (and `secret`, by default the key's own); STS names the key's principal. */
export function signInWith(
  sts: AwsClientStub<STSClient>,
  keys: Record<string, KnownKey>,
  accessKeyId: string,
  secret = keys[accessKeyId]!.secret,
): void {
  process.env.AWS_ACCESS_KEY_ID = accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = secret;
  sts.on(GetCallerIdentityCommand).resolves({ Arn: keys[accessKeyId]!.arn });
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

/**
 * What a Lambda function URL with IAM authentication does in front of the runbook gateway, on 127.0.0.1: it
 * recomputes the SigV4 signature (service `lambda`) from the access key's secret, answers 403 when it does not
 * match, and otherwise invokes the real gateway handler with the key's principal in the request context.
 */
export async function startLocalRunbookGateway(
  keys: Record<string, KnownKey>,
  config: GatewayConfig,
  region: string,
): Promise<{ url: string; requests: { principal?: string; status: number }[]; close: () => Promise<void> }> {
  const requests: { principal?: string; status: number }[] = [];
  const server = createServer((req, res) => {
    void readBody(req).then(async (body) => {
      const principal = await authenticate(req, body, keys, region);
      if (!principal) {
        requests.push({ status: 403 });
        res.writeHead(403, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ Message: 'Forbidden' }));
        return;
      }
      const answer = await handleGatewayRequest(
        {
          body,
          requestContext: { authorizer: { iam: { userArn: principal, accountId: principal.split(':')[4] } } },
        },
        { config, sfn: new SFNClient({ region }), ssm: new SSMClient({ region }), clock: { now: () => new Date() } },
      );
      requests.push({ principal, status: answer.statusCode });
      res.writeHead(answer.statusCode, answer.headers);
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

async function authenticate(
  req: IncomingMessage,
  body: string,
  keys: Record<string, KnownKey>,
  region: string,
): Promise<string | undefined> {
  const match = AUTHORIZATION.exec(String(req.headers.authorization ?? ''));
  if (!match) return undefined;
  const [, accessKeyId, , signedRegion, service, signedHeaders, signature] = match;
  const key = keys[accessKeyId!];
  if (!key || signedRegion !== region || service !== 'lambda') return undefined;
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  const headers: Record<string, string> = {};
  for (const name of signedHeaders!.split(';')) headers[name] = String(req.headers[name] ?? '');
  const [host, port] = String(req.headers.host).split(':');
  const expected = await new SignatureV4({
    service: 'lambda',
    region,
    credentials: {
      accessKeyId: accessKeyId!,
      secretAccessKey: key.secret,
      ...(headers['x-amz-security-token'] ? { sessionToken: headers['x-amz-security-token'] } : {}),
    },
    sha256: NodeSha256,
  }).sign(
    {
      method: req.method ?? 'POST',
      protocol: 'http:',
      hostname: host!,
      ...(port ? { port: Number(port) } : {}),
      path: (req.url ?? '/').split('?')[0]!,
      query: {},
      headers,
      body,
    },
    { signingDate },
  );
  const recomputed = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1];
  return recomputed === signature ? key.arn : undefined;
}
