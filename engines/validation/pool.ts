import type { Client, ClientConfig } from 'pg';
import { connect, DatabaseTarget } from './db';

export type Task<T> = (client: Client) => Promise<T>;

/**
 * Run tasks over at most `concurrency` connections, in submission order; results in task order.
 * Connections are opened lazily and all closed at the end. The first connection failure rejects.
 */
export async function runPool<T>(
  tasks: Task<T>[],
  options: { target: DatabaseTarget; concurrency: number; extra?: Partial<ClientConfig> },
): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const clients: Client[] = [];
  const worker = async (): Promise<void> => {
    if (next >= tasks.length) return;
    const client = await connect(options.target, options.extra);
    clients.push(client);
    while (next < tasks.length) {
      const index = next++;
      const task = tasks[index];
      if (task) results[index] = await task(client);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, tasks.length)) }, worker));
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
  return results;
}

/** A connection pool for independent queries: `use(fn)` waits for a free connection. */
export class ConnectionPool {
  private readonly idle: Client[] = [];
  private readonly all: Client[] = [];
  private readonly waiting: Array<(client: Client) => void> = [];
  private opening = 0;

  constructor(
    private readonly target: DatabaseTarget,
    private readonly size: number,
    private readonly extra: Partial<ClientConfig> = {},
  ) {}

  /** Open one connection now, so connection errors surface before any check runs. */
  async warmUp(): Promise<void> {
    const client = await connect(this.target, this.extra);
    this.all.push(client);
    this.release(client);
  }

  async use<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.acquire();
    try {
      return await fn(client);
    } finally {
      this.release(client);
    }
  }

  private async acquire(): Promise<Client> {
    const idle = this.idle.pop();
    if (idle) return idle;
    if (this.all.length + this.opening < this.size) {
      this.opening++;
      try {
        const client = await connect(this.target, this.extra);
        this.all.push(client);
        return client;
      } finally {
        this.opening--;
      }
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(client: Client): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(client);
    else this.idle.push(client);
  }

  async end(): Promise<void> {
    await Promise.all(this.all.map((c) => c.end().catch(() => undefined)));
    this.all.length = 0;
    this.idle.length = 0;
  }
}
