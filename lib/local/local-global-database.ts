import { readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { LOCAL_DATABASE } from './local-run';

/** The name clients connect to: the local stand-in for an Aurora Global Database's writer endpoint. */
export const GLOBAL_WRITER_ENDPOINT = `${LOCAL_DATABASE}-global.global-writer.local`;
/** The port the pointer names with the global writer endpoint (Aurora's; locally the name resolves to a port too). */
export const GLOBAL_WRITER_PORT = 5432;
/** The name the local global database gives the primary cluster (the standby is `rxdr_standby`). */
export const PRIMARY_CLUSTER = 'rxdr_primary';

/** What `DescribeGlobalClusters` reports, locally: the writer endpoint, the writer cluster and where it listens. */
export interface GlobalDatabaseState {
  readonly endpoint: string;
  readonly writer: string;
  readonly writerAddress: { readonly host: string; readonly port: number };
  /** A switchover or failover under way (`FailoverState`): the endpoint is moving. */
  readonly switching: boolean;
}

/**
 * A local Aurora Global Database's writer endpoint: a JSON file that says which cluster writes and where it listens,
 * and a name (`GLOBAL_WRITER_ENDPOINT`) that resolves to it. AWS moves the endpoint to the new writer at the end of
 * a managed switchover or failover; locally the failover provider plays AWS's part (`moveWriter`), and verify reads
 * the file as the AWS run reads `DescribeGlobalClusters`.
 */
export class LocalGlobalDatabase {
  private constructor(readonly file: string) {}

  /** A global database whose writer is the primary at `address`, in `workspace`. */
  static async create(
    workspace: string,
    address: { readonly host: string; readonly port: number },
  ): Promise<LocalGlobalDatabase> {
    const global = new LocalGlobalDatabase(path.join(workspace, `${LOCAL_DATABASE}-global.json`));
    await global.write({
      endpoint: GLOBAL_WRITER_ENDPOINT,
      writer: PRIMARY_CLUSTER,
      writerAddress: address,
      switching: false,
    });
    return global;
  }

  /** The global database as it reports itself, or undefined when the file cannot be read. */
  async describe(): Promise<GlobalDatabaseState | undefined> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as GlobalDatabaseState;
    } catch {
      return undefined;
    }
  }

  /** AWS's part at the end of a managed switchover or failover: the writer endpoint now leads to `writer`. */
  async moveWriter(writer: string, address: { readonly host: string; readonly port: number }): Promise<void> {
    const current = await this.describe();
    await this.write({
      endpoint: current?.endpoint ?? GLOBAL_WRITER_ENDPOINT,
      writer,
      writerAddress: address,
      switching: false,
    });
  }

  /** Where a client that reads `pointer` connects: the writer's address when it names the endpoint, else itself. */
  async resolve(pointer: { readonly host: string; readonly port: number }): Promise<{ host: string; port: number }> {
    if (pointer.host !== GLOBAL_WRITER_ENDPOINT) return pointer;
    const state = await this.describe();
    if (!state) throw new Error(`${GLOBAL_WRITER_ENDPOINT} does not resolve: ${this.file} is unreadable`);
    return { ...state.writerAddress };
  }

  private async write(state: GlobalDatabaseState): Promise<void> {
    await writeFile(`${this.file}.tmp`, `${JSON.stringify(state)}\n`);
    await rename(`${this.file}.tmp`, this.file);
  }
}

/** Where a client that reads `pointer` connects: through `global`'s writer endpoint when there is one, else itself. */
export async function resolveThrough(
  global: LocalGlobalDatabase | undefined,
  pointer: { readonly host: string; readonly port: number },
): Promise<{ host: string; port: number }> {
  return global ? global.resolve(pointer) : { ...pointer };
}
