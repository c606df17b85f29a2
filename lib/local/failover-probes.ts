import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { Client } from 'pg';
import { Errors, StepError } from '../../engines/failover/catalog';
import { LOCAL_DATABASE } from './local-run';
import { WriteLoad, type UnitWriter } from './write-load';

/** Small read-only looks at local servers and files, for the local failover provider's steps. */

export async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function isWritable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
    return rows[0]?.r === false;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The standby's last replayed transaction, or undefined when it does not answer as a standby. */
export async function lastReplayed(url: string): Promise<Date | undefined> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ r: boolean; t: Date | null }>(
      'SELECT pg_is_in_recovery() AS r, pg_last_xact_replay_timestamp() AS t',
    );
    return rows[0]?.r && rows[0].t ? rows[0].t : undefined;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function newestArchived(archiveDir: string): Promise<Date | undefined> {
  const names = await readdir(archiveDir).catch(() => [] as string[]);
  let newest: Date | undefined;
  for (const name of names) {
    const { mtime } = await stat(path.join(archiveDir, name));
    if (!newest || mtime > newest) newest = mtime;
  }
  return newest;
}

export async function readPointer(file: string): Promise<{ host: string; port: number } | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { host?: unknown; port?: unknown };
    return typeof parsed.host === 'string' && typeof parsed.port === 'number'
      ? { host: parsed.host, port: parsed.port }
      : undefined;
  } catch {
    return undefined;
  }
}

/** A client that follows the pointer writes a few units of the application's work: the service is back. */
export async function clientsWriteThrough(
  pointer: { readonly host: string; readonly port: number },
  unitWriter: UnitWriter,
): Promise<{ name: string; ok: boolean; detail: string }> {
  const url = `postgres://postgres@${pointer.host}:${pointer.port}/${LOCAL_DATABASE}`;
  try {
    const load = await WriteLoad.start(url, unitWriter);
    let timer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      load.waitForCommits(3).then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), 10_000))),
    ]).finally(() => clearTimeout(timer));
    const stats = await load.stop();
    return {
      name: 'clients-write',
      ok: settled && stats.commits >= 3,
      detail: `${stats.commits} units committed through the pointer`,
    };
  } catch (error) {
    return {
      name: 'clients-write',
      ok: false,
      detail: `a client could not write through the pointer: ${(error as Error).message}`,
    };
  }
}

type Address = { readonly host: string; readonly port: number };
type VerifyCheck = { name: string; ok: boolean; detail: string };

/** How a verify reads the pointer: which checks it makes of it, and which server a client reaching it lands on. */
export interface PointerReading {
  /** @default the endpoint file names `endpoint` */
  readonly checks?: (pointer: Address | undefined) => Promise<VerifyCheck[]>;
  /** @default the pointer itself */
  readonly resolve?: (pointer: Address) => Promise<Address>;
}

/**
 * A failover's or failback's last check: the endpoint file names `endpoint` (or what `reading.checks` asks of
 * it), and clients that follow it write through. Throws a step failure naming every check that failed.
 */
export async function verifyClientsFollow(
  endpointFile: string,
  endpoint: Address,
  unitWriter: UnitWriter,
  startedAt: string,
  reading: PointerReading = {},
): Promise<{ startedAt: string; endedAt: string; checks: VerifyCheck[] }> {
  const pointer = await readPointer(endpointFile);
  const checks = reading.checks
    ? await reading.checks(pointer)
    : [
        {
          name: 'endpoint-file',
          ok: pointer?.host === endpoint.host && pointer.port === endpoint.port,
          detail: `${path.basename(endpointFile)} → ${pointer ? `${pointer.host}:${pointer.port}` : '(unreadable)'}`,
        },
      ];
  if (pointer)
    checks.push(await clientsWriteThrough(reading.resolve ? await reading.resolve(pointer) : pointer, unitWriter));
  const failed = checks.filter((c) => !c.ok);
  if (failed.length > 0)
    throw new StepError(
      Errors.stepFailed,
      `verification failed: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
    );
  return { startedAt, endedAt: new Date().toISOString(), checks };
}
