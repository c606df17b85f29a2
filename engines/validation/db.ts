import { Client, ClientConfig } from 'pg';

/**
 * A `pg` client config and, when it verifies the server, where the CAs it trusts come from (named in the
 * error when the server's certificate is refused).
 */
export interface DatabaseConfig extends ClientConfig {
  readonly trustSource?: string;
}

/** Where a database is: a connection URL, or a full client config (TLS, credentials from a secret). */
export type DatabaseTarget = string | DatabaseConfig;

export function clientConfig(target: DatabaseTarget, extra: Partial<ClientConfig> = {}): ClientConfig {
  if (typeof target === 'string') return { connectionString: target, ...extra };
  const { trustSource: _trustSource, ...config } = target;
  return { ...config, ...extra };
}

/** Connect a client; the error says where it tried to connect and why it failed (never the password). */
export async function connect(target: DatabaseTarget, extra: Partial<ClientConfig> = {}): Promise<Client> {
  const client = new Client(clientConfig(target, extra));
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new ConnectionError(`cannot connect to ${describeTarget(target)}: ${describeConnectError(error, target)}`);
  }
  return client;
}

/**
 * End a session the way libpq's `PQfinish` does: send Terminate and close the socket, without waiting for the
 * server to close its side. node-postgres's `end()` waits for that, and the server closes it only as its process
 * exits, which after a long scan of cached tables takes milliseconds (unmapping the shared buffers it touched):
 * about 10 ms at the end of every validation. Never rejects.
 */
export async function disconnect(client: Client): Promise<void> {
  const stream = (client as unknown as { connection?: { stream?: NodeJS.WritableStream & { destroy(): void } } })
    .connection?.stream;
  const ended = client.end().catch(() => undefined);
  // 'finish': Terminate and our FIN are handed to the kernel, which delivers them after the socket is closed.
  stream?.once?.('finish', () => stream.destroy());
  await ended;
}

/** Node's codes for a certificate chain that does not lead to a trusted CA. */
const UNTRUSTED_CHAIN = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** A TLS verification failure named as such (the raw OpenSSL text alone does not say what to check). */
function describeConnectError(error: unknown, target: DatabaseTarget): string {
  // pg repeats the socket error's name in its message ("Error [ERR_…]: …"): keep the reason only.
  const message = (error instanceof Error ? error.message : String(error)).replace(/^Error(?: \[[A-Z_]+\])?: /, '');
  const code = (error as { code?: unknown } | undefined)?.code;
  const trustSource = typeof target === 'string' ? undefined : target.trustSource;
  const trust = trustSource ? `; the connection trusts only ${trustSource}` : '';
  if (typeof code === 'string' && UNTRUSTED_CHAIN.has(code)) {
    return `server certificate not trusted (${message})${trust}`;
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `server certificate does not name the host connected to (${message})`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `server certificate not valid now (${message})`;
  }
  return message;
}

/** The database could not be reached: nothing was checked. */
export class ConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionError';
  }
}

/** host:port/database, without user or password. */
export function describeTarget(target: DatabaseTarget): string {
  if (typeof target === 'string') {
    try {
      const url = new URL(target);
      return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
    } catch {
      return '(unparseable URL)';
    }
  }
  return `${target.host ?? 'localhost'}:${target.port ?? 5432}/${target.database ?? ''}`;
}

/** Double-quote an identifier for SQL. */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
