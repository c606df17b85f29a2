import { systemClock } from '../../engines/common/clock';
import { runFailback, type FailbackRun } from '../../engines/failover/failback-run';
import type { FailoverSite } from './failover-site';
import { isWritable, readPointer } from './failover-probes';
import { LocalFailbackProvider } from './local-failback-provider';
import { AURORA_POSTGRESQL, CLUSTER_TARGET, type LocalEngine } from './local-engines';
import { PRIMARY_CLUSTER, resolveThrough, type LocalGlobalDatabase } from './local-global-database';
import { evidenceStore, LOCAL_DATABASE, TOOL_VERSION, type LocalWorkspace } from './local-run';
import type { PostgresCluster } from './postgres-cluster';
import { WriteLoad, type UnitWriter } from './write-load';

export interface LocalFailbackResult {
  readonly run: FailbackRun;
  /** What is not as it should be once the failback ended (empty: back at the baseline). */
  readonly problems: string[];
  readonly at: string;
}

/**
 * After a local failover: the application writes to the recovered database again; then the shared failback
 * engine (`runFailback`) over `LocalFailbackProvider` builds a streaming standby of it, freezes the writes, waits
 * until it has caught up, promotes it, repoints the endpoint file, verifies and lifts the freeze. The baseline is
 * then checked (the pointer names the failback server, which takes writes) and the failback server removed. A
 * cluster whose clients follow a global writer endpoint switches back instead: the endpoint moves to the primary
 * cluster on the failback server and no pointer changes.
 */
export async function runLocalFailback(
  site: FailoverSite,
  run: LocalWorkspace,
  options: {
    readonly startedBy: string;
    readonly unitWriter: UnitWriter;
    readonly evidenceDir?: string | null;
    readonly targets: { readonly rtoSeconds: number };
    readonly signal?: AbortSignal;
    /** `aurora-postgresql`: the evidence records a cluster. @default postgres */
    readonly engine?: LocalEngine;
    /** The cluster's clients connect through this global database's writer endpoint (the failover kept it). */
    readonly global?: LocalGlobalDatabase;
    /** Replaces the global database's move of its writer endpoint back (a test makes it stay behind). */
    readonly moveGlobalWriter?: (move: () => Promise<void>) => Promise<void>;
  },
): Promise<LocalFailbackResult> {
  const { global } = options;
  const pointer = await readPointer(site.endpointFile);
  const writer = pointer ? await resolveThrough(global, pointer) : undefined;
  const load = writer
    ? await WriteLoad.start(`postgres://postgres@${writer.host}:${writer.port}/${LOCAL_DATABASE}`, options.unitWriter)
    : undefined;
  const provider = new LocalFailbackProvider({
    workspace: run.workspace,
    endpointFile: site.endpointFile,
    originalPrimary: `127.0.0.1:${site.primary.port}`,
    guard: run.guard,
    unitWriter: options.unitWriter,
    load,
    store: evidenceStore(options.evidenceDir),
    global,
    moveGlobalWriter: options.moveGlobalWriter,
  });
  try {
    const failback = await runFailback(
      {
        database: LOCAL_DATABASE,
        dryRun: false,
        reason: 'the game day ends: back to the baseline',
        startedBy: options.startedBy,
      },
      {
        provider,
        clock: systemClock,
        signal: options.signal,
        approve: async () => ({ approvedBy: options.startedBy, comment: 'game day ends' }),
        evidence: async () => ({
          environment: 'local',
          database: LOCAL_DATABASE,
          tier: 1,
          rtoSeconds: options.targets.rtoSeconds,
          failbackTarget: 'rxdr_failback',
          ...(options.engine === AURORA_POSTGRESQL || global ? { target: CLUSTER_TARGET } : {}),
          toolVersion: TOOL_VERSION,
          cleanup: { status: 'deleted', message: 'the game day removes every server it started', resources: [] },
        }),
      },
    );
    const problems: string[] = [];
    if (failback.status !== 'completed' || failback.evidence.result !== 'passed')
      problems.push(`the failback ${failback.status}: ${failback.evidence.failureReason ?? ''}`);
    if (failback.evidenceError) problems.push(failback.evidenceError);
    const server = provider.failbackServer();
    problems.push(...(await baselineProblems(site.endpointFile, server, global)));
    (await server?.serverPids())?.forEach((pid) => run.pids.add(pid));
    return { run: failback, problems, at: new Date().toISOString() };
  } finally {
    await provider.remove();
  }
}

/**
 * The baseline after the failback: clients that follow the endpoint file reach the failback server and it takes
 * writes; with a global database, as `rxdr gameday end` reads a cluster's, the global database reports no switch
 * under way and the primary cluster (on the failback server) as its writer.
 */
async function baselineProblems(
  endpointFile: string,
  server: PostgresCluster | undefined,
  global: LocalGlobalDatabase | undefined,
): Promise<string[]> {
  const problems: string[] = [];
  if (global) {
    const state = await global.describe();
    if (!state) problems.push(`the global database reports nothing: ${global.file} is unreadable`);
    else if (state.switching || state.writer !== PRIMARY_CLUSTER || state.writerAddress.port !== server?.port)
      problems.push(
        `the global database ${state.switching ? 'is switching' : `reports ${state.writer} as its writer`} at ` +
          `${state.writerAddress.host}:${state.writerAddress.port}, not ${PRIMARY_CLUSTER} on the failback server`,
      );
  }
  const pointer = await readPointer(endpointFile);
  const reached = pointer ? await resolveThrough(global, pointer).catch(() => undefined) : undefined;
  const named = pointer ? `${pointer.host}:${pointer.port}` : 'nothing';
  if (!server || reached?.port !== server.port)
    problems.push(
      `the endpoint file names ${named}${reached && reached.host !== pointer?.host ? ` (${reached.host}:${reached.port})` : ''}, not the failback server`,
    );
  else if (!(await isWritable(server.url(LOCAL_DATABASE))))
    problems.push(`the failback server 127.0.0.1:${server.port} does not take writes`);
  return problems;
}
