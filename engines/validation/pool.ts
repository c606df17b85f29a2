import type { Client, ClientConfig } from 'pg';
import { connect, DatabaseTarget, disconnect } from './db';

export type Task<T> = (client: Client) => Promise<T>;

/**
 * Run tasks over at most `concurrency` connections, in submission order; results in task order.
 * Connections are opened lazily. The first failure (a task or a connection) stops handing out tasks, closes
 * every connection at once (which ends the statements still running on them), waits until every worker has
 * stopped (a connection still being opened is closed as soon as it opens) and rejects with that failure.
 * So nothing keeps the process alive after the error.
 */
export async function runPool<T>(
  tasks: Task<T>[],
  options: { target: DatabaseTarget; concurrency: number; extra?: Partial<ClientConfig> },
): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const clients = new Set<Client>();
  const closeAll = (): Promise<unknown> => Promise.all([...clients].map(disconnect));
  const fail = (error: unknown): void => {
    if (!failure) failure = { error };
    void closeAll();
  };
  const worker = async (): Promise<void> => {
    if (next >= tasks.length || failure) return;
    let client: Client;
    try {
      client = await connect(options.target, options.extra);
    } catch (error) {
      fail(error);
      return;
    }
    clients.add(client);
    if (failure) {
      await disconnect(client);
      return;
    }
    try {
      while (next < tasks.length && !failure) {
        const index = next++;
        const task = tasks[index];
        if (task) results[index] = await task(client);
      }
    } catch (error) {
      fail(error);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, tasks.length));
  await Promise.all(Array.from({ length: workers }, worker));
  await closeAll();
  if (failure) throw failure.error;
  return results;
}

/** Thrown by `ConnectionPool.use` once the pool has been ended. */
export class PoolClosedError extends Error {
  constructor() {
    super('the connection pool was closed');
    this.name = 'PoolClosedError';
  }
}

/**
 * A connection pool for independent queries: `use(fn)` waits for a free connection. `end()` closes every
 * connection, also one still being opened, and rejects every caller still waiting for one.
 */
export class ConnectionPool {
  private readonly idle: Client[] = [];
  private readonly all = new Set<Client>();
  private readonly waiting: Array<{ resolve: (client: Client) => void; reject: (error: Error) => void }> = [];
  private opening = 0;
  private closed = false;

  constructor(
    private readonly target: DatabaseTarget,
    private readonly size: number,
    private readonly extra: Partial<ClientConfig> = {},
  ) {}

  /** Open one connection now, so connection errors surface before any check runs. */
  async warmUp(): Promise<void> {
    this.release(await this.open());
  }

  async use<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.acquire();
    try {
      return await fn(client);
    } finally {
      this.release(client);
    }
  }

  private async open(): Promise<Client> {
    if (this.closed) throw new PoolClosedError();
    this.opening++;
    let client: Client;
    try {
      client = await connect(this.target, this.extra);
    } finally {
      this.opening--;
    }
    if (this.closed) {
      await disconnect(client);
      throw new PoolClosedError();
    }
    this.all.add(client);
    return client;
  }

  private async acquire(): Promise<Client> {
    if (this.closed) throw new PoolClosedError();
    const idle = this.idle.pop();
    if (idle) return idle;
    if (this.all.size + this.opening < this.size) return this.open();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private release(client: Client): void {
    if (this.closed) return;
    const waiter = this.waiting.shift();
    if (waiter) waiter.resolve(client);
    else this.idle.push(client);
  }

  async end(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new PoolClosedError());
    const clients = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    await Promise.all(clients.map(disconnect));
  }
}
