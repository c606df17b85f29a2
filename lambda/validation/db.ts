import { Client, ClientConfig } from 'pg';

/** Where a database is: a connection URL, or a full `pg` client config (TLS, credentials from a secret). */
export type DatabaseTarget = string | ClientConfig;

export function clientConfig(target: DatabaseTarget, extra: Partial<ClientConfig> = {}): ClientConfig {
  const base: ClientConfig = typeof target === 'string' ? { connectionString: target } : { ...target };
  return { ...base, ...extra };
}

/** Connect a client; the error says where it tried to connect (never the password). */
export async function connect(target: DatabaseTarget, extra: Partial<ClientConfig> = {}): Promise<Client> {
  const client = new Client(clientConfig(target, extra));
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new ConnectionError(`cannot connect to ${describeTarget(target)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return client;
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
