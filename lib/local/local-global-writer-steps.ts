import type { Strategy } from '../../engines/failover/catalog';
import type { RepointRecord } from '../../engines/failover/provider';
import { repointEndpointFile } from './failover-site';
import { GLOBAL_WRITER_ENDPOINT, GLOBAL_WRITER_PORT, type LocalGlobalDatabase } from './local-global-database';

/**
 * The local failover's steps for clients on the global writer endpoint, as the AWS run takes them
 * (`engines/failover/cluster/global-writer-endpoint.ts`): a global switchover or failover changes no pointer and
 * verifies that the endpoint followed the writer; a strategy that leaves the global database repoints as usual.
 */

type Check = { name: string; ok: boolean; detail: string };

/** The strategies after which the recovered cluster is still the global database's writer. */
const KEEP_GLOBAL_DATABASE: readonly Strategy[] = ['global-switchover', 'global-failover'];

/** This run's clients follow the global writer endpoint: there is one and the strategy keeps the global database. */
export function throughGlobalWriterEndpoint(
  global: LocalGlobalDatabase | undefined,
  strategy: Strategy,
): global is LocalGlobalDatabase {
  return global !== undefined && KEEP_GLOBAL_DATABASE.includes(strategy);
}

/** Preflight (read-only): the endpoint must be reported; a strategy that leaves the global database is warned of. */
export async function globalWriterEndpointPreflight(
  global: LocalGlobalDatabase | undefined,
  strategy: Strategy,
  check: (name: string, ok: boolean, detail: string, blocking: boolean) => void,
  warnings: string[],
): Promise<void> {
  if (!global) return;
  if (!throughGlobalWriterEndpoint(global, strategy)) {
    warnings.push(
      `clients connect through the global writer endpoint, but ${strategy} leaves the global database: the run ` +
        "repoints the endpoint file at the new cluster's endpoint (the global writer endpoint stays with the " +
        'global database)',
    );
    return;
  }
  const state = await global.describe();
  check(
    'global-writer-endpoint',
    state?.endpoint !== undefined,
    state
      ? `clients connect through ${state.endpoint}, which the global database moves to the new writer: ` +
          'the run changes no pointer that names it'
      : `the global database reports no writer endpoint (${global.file} is unreadable)`,
    true,
  );
}

/**
 * The repoint of a global switchover or failover: the endpoint file should name the global writer endpoint (it is
 * pointed there if it does not), and the evidence records that the endpoint moved to `newWriter`.
 */
export async function repointThroughGlobalWriterEndpoint(
  endpointFile: string,
  newWriter: { readonly host: string; readonly port: number },
  startedAt: string,
): Promise<RepointRecord> {
  const record = await repointEndpointFile(
    endpointFile,
    { host: GLOBAL_WRITER_ENDPOINT, port: GLOBAL_WRITER_PORT },
    startedAt,
  );
  return {
    ...record,
    changes: [
      {
        kind: 'global-writer-endpoint',
        name: GLOBAL_WRITER_ENDPOINT,
        value: `${newWriter.host}:${newWriter.port}`,
        outcome: 'by-aws',
      },
      ...record.changes,
    ],
  };
}

/**
 * Verify after a global switchover or failover: the global database reports `writer` (listening at `address`) as
 * its writer with no switch under way, so its writer endpoint leads there; and the endpoint file names the endpoint.
 */
export async function verifyGlobalWriterEndpoint(
  global: LocalGlobalDatabase,
  writer: string,
  address: { readonly host: string; readonly port: number },
  pointer: { readonly host: string; readonly port: number } | undefined,
): Promise<Check[]> {
  const state = await global.describe();
  if (!state) return [{ name: 'global-writer-endpoint', ok: false, detail: `${global.file} is unreadable` }];
  const follows =
    state.writer === writer &&
    !state.switching &&
    state.writerAddress.host === address.host &&
    state.writerAddress.port === address.port;
  const at = `${state.writerAddress.host}:${state.writerAddress.port}`;
  return [
    {
      name: 'global-writer-endpoint',
      ok: follows,
      detail: follows
        ? `${state.endpoint} leads to ${writer} at ${at}, the global database's writer`
        : `${state.endpoint} still leads to ${state.writer} at ${at}, not to ${writer}: the global database reports ` +
          (state.switching ? 'a switch under way' : 'that cluster as its writer'),
    },
    {
      name: 'endpoint-file',
      ok: pointer?.host === state.endpoint,
      detail: `the endpoint file names ${pointer ? `${pointer.host}:${pointer.port}` : '(unreadable)'}${
        pointer?.host === state.endpoint ? '' : `, not the global writer endpoint ${state.endpoint}`
      }`,
    },
  ];
}
