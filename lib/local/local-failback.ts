import { systemClock } from '../../engines/common/clock';
import { runFailback, type FailbackRun } from '../../engines/failover/failback-run';
import type { FailoverSite } from './failover-site';
import { isWritable, readPointer } from './failover-probes';
import { LocalFailbackProvider } from './local-failback-provider';
import { evidenceStore, LOCAL_DATABASE, TOOL_VERSION, type LocalWorkspace } from './local-run';
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
 * then checked (the pointer names the failback server, which takes writes) and the failback server removed.
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
  },
): Promise<LocalFailbackResult> {
  const pointer = await readPointer(site.endpointFile);
  const load = pointer
    ? await WriteLoad.start(`postgres://postgres@${pointer.host}:${pointer.port}/${LOCAL_DATABASE}`, options.unitWriter)
    : undefined;
  const provider = new LocalFailbackProvider({
    workspace: run.workspace,
    endpointFile: site.endpointFile,
    originalPrimary: `127.0.0.1:${site.primary.port}`,
    guard: run.guard,
    unitWriter: options.unitWriter,
    load,
    store: evidenceStore(options.evidenceDir),
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
    const now = await readPointer(site.endpointFile);
    if (!server || now?.port !== server.port)
      problems.push(`the endpoint file names ${now ? `${now.host}:${now.port}` : 'nothing'}, not the failback server`);
    else if (!(await isWritable(server.url(LOCAL_DATABASE))))
      problems.push(`the failback server 127.0.0.1:${server.port} does not take writes`);
    (await server?.serverPids())?.forEach((pid) => run.pids.add(pid));
    return { run: failback, problems, at: new Date().toISOString() };
  } finally {
    await provider.remove();
  }
}
