import * as path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { Client } from 'pg';
import type { EvidenceDocument } from '../../engines/evidence/schema';
import type { EvidenceStore } from '../../engines/evidence/store';
import { Errors, StepError } from '../../engines/failover/catalog';
import type { FailbackPlan, FailbackState } from '../../engines/failover/failback-steps/state';
import { required } from '../../engines/failover/failover-steps/required';
import type { FailbackProvider } from '../../engines/failover/provider';
import { takeBaseBackup } from './base-backup';
import { repointEndpointFile } from './failover-site';
import { answers, isWritable, readPointer, verifyClientsFollow } from './failover-probes';
import { LOCAL_DATABASE, makeServerDir } from './local-run';
import { PRIMARY_CLUSTER, resolveThrough, type LocalGlobalDatabase } from './local-global-database';
import { repointThroughGlobalWriterEndpoint, verifyGlobalWriterEndpoint } from './local-global-writer-steps';
import { PostgresCluster } from './postgres-cluster';
import type { ProcessGuard } from './process-guard';
import { WriteLoad, type UnitWriter } from './write-load';

export interface LocalFailbackProviderOptions {
  readonly workspace: string;
  readonly endpointFile: string;
  /** The primary the site started with (lost in the failover; never reused: its data diverged). */
  readonly originalPrimary: string;
  readonly guard: ProcessGuard;
  readonly unitWriter: UnitWriter;
  /** The application, writing through the endpoint file: the freeze stops it, the unfreeze starts it again. */
  readonly load?: WriteLoad;
  readonly store?: EvidenceStore;
  /**
   * An Aurora cluster's clients connect through this global database's writer endpoint: the failback is a
   * switchover back, which moves the endpoint to the primary cluster (`rxdr_primary`, now on the failback server)
   * and changes no pointer.
   */
  readonly global?: LocalGlobalDatabase;
  /** Replaces the global database's move of its writer endpoint back (a test makes it stay behind). */
  readonly moveGlobalWriter?: (move: () => Promise<void>) => Promise<void>;
}

const FAILBACK = 'rxdr_failback';
const ZERO_LAG_READINGS = 2;

/**
 * The failback provider over local PostgreSQL: the steps the AWS failback takes, with a new streaming standby
 * of the current primary standing in for the replica built back in the primary region, the application's write
 * load for the write freeze, and the endpoint file for the DNS record.
 */
export class LocalFailbackProvider implements FailbackProvider {
  readonly name = 'local';
  private replica?: PostgresCluster;
  private load?: WriteLoad;
  /** The global database moved its writer endpoint back (once). */
  private globalWriterMoved = false;

  constructor(private readonly options: LocalFailbackProviderOptions) {
    this.load = options.load;
  }

  async preflight(state: FailbackState): Promise<FailbackPlan> {
    const startedAt = new Date().toISOString();
    const checks: FailbackPlan['checks'] = [];
    const blockers: string[] = [];
    const check = (name: string, ok: boolean, detail: string) => {
      checks.push({ name, ok, detail });
      if (!ok) blockers.push(`${name}: ${detail}`);
    };
    const pointer = await readPointer(this.options.endpointFile);
    const address = pointer ? await resolveThrough(this.options.global, pointer).catch(() => undefined) : undefined;
    const current = address ? `${address.host}:${address.port}` : '(unreadable)';
    const named =
      pointer && (pointer.host !== address?.host || pointer.port !== address.port)
        ? `${current} (named by the endpoint file through ${pointer.host}:${pointer.port})`
        : `${current} (named by the endpoint file)`;
    const writable = address !== undefined && (await isWritable(adminUrl(address.port, LOCAL_DATABASE)));
    check('current-primary', writable, writable ? `${named} accepts writes` : `${named} does not accept writes`);
    const original = this.options.originalPrimary;
    const originalUp = await answers(`postgres://postgres@${original}/postgres`);
    checks.push({
      name: 'original-primary',
      ok: true,
      detail: `the old primary ${original} is ${originalUp ? 'running' : 'gone'} (it is not reused: its data diverged)`,
    });
    return {
      startedAt,
      endedAt: new Date().toISOString(),
      database: state.input.database,
      currentPrimary: {
        identifier: `local:${current}`,
        arn: `local:${current}`,
        status: writable ? 'available' : 'down',
      },
      replicaIdentifier: FAILBACK,
      replicaExists: false,
      originalPrimary: { identifier: `local:${original}`, status: originalUp ? 'available' : 'gone' },
      expectedFreezeSeconds: 5,
      expectedDurationSeconds: 20,
      checks,
      blockers,
      decision: blockers.length > 0 ? 'blocked' : state.input.dryRun ? 'dry-run' : 'proceed',
      steps: this.planSteps(current),
    };
  }

  private planSteps(current: string): FailbackPlan['steps'] {
    const { global, endpointFile } = this.options;
    return [
      { name: 'approval', description: 'an operator approves' },
      {
        name: 'create-replica',
        description: `build ${FAILBACK}, a streaming standby of ${current}${global ? `: the primary cluster ${PRIMARY_CLUSTER}'s instance, back in the global database as its secondary` : ''}`,
      },
      { name: 'freeze-writes', description: 'the application stops writing' },
      { name: 'catch-up', description: `wait until ${FAILBACK} has replayed everything (zero data loss)` },
      {
        name: 'promote',
        description: global
          ? `promote ${FAILBACK}: the global database switches over to ${PRIMARY_CLUSTER} and moves its writer endpoint there`
          : `promote ${FAILBACK}`,
      },
      {
        name: 'repoint',
        description: global
          ? `none: ${endpointFile} names the global writer endpoint, which moves with the writer`
          : `rewrite ${endpointFile} as soon as the promotion has started (writes are frozen)`,
      },
      {
        name: 'verify',
        description: global
          ? `the global database reports ${PRIMARY_CLUSTER} on ${FAILBACK} as its writer; clients write through its writer endpoint`
          : 'the pointer reads the failback server; clients write through it',
      },
      { name: 'unfreeze', description: 'the application writes again' },
    ];
  }

  async createReplica(state: FailbackState): Promise<NonNullable<FailbackState['replica']>> {
    const startedAt = new Date().toISOString();
    const port = this.currentPort(state);
    const rootDir = await makeServerDir(this.options.workspace, 'failback');
    const dataDir = path.join(rootDir, 'data');
    this.options.guard.watchDataDir(dataDir);
    const sourceDataDir = await dataDirectoryOf(port);
    await takeBaseBackup({ url: adminUrl(port), sourceDataDir, targetDataDir: dataDir, label: FAILBACK });
    await writeFile(path.join(dataDir, 'standby.signal'), '');
    this.replica = await PostgresCluster.fromDataDir(rootDir, dataDir, {
      primary_conninfo: `host=127.0.0.1 port=${port} user=postgres application_name=${FAILBACK}`,
      archive_mode: false,
      hot_standby: true,
      recovery_target_timeline: 'latest',
    });
    await this.replica.start();
    return { ...startedPending(startedAt), detail: `${FAILBACK} started from a base backup of 127.0.0.1:${port}` };
  }

  async checkReplica(state: FailbackState): Promise<NonNullable<FailbackState['replica']>> {
    const replica = required(state.replica, 'replica');
    const streaming = await queryOne<{ n: number }>(
      adminUrl(this.currentPort(state)),
      `SELECT count(*)::int AS n FROM pg_stat_replication WHERE application_name = '${FAILBACK}' AND state = 'streaming'`,
    );
    if (!this.replicaCluster().isRunning()) throw new StepError(Errors.stepFailed, `${FAILBACK} exited`);
    const available = (streaming?.n ?? 0) > 0;
    return {
      ...replica,
      polls: replica.polls + 1,
      ...(available
        ? { status: 'available', availableAt: new Date().toISOString(), detail: `${FAILBACK} streams` }
        : { detail: `${FAILBACK} does not stream yet` }),
    };
  }

  async freeze(): Promise<NonNullable<FailbackState['freeze']>> {
    const startedAt = new Date().toISOString();
    const stats = await this.load?.stop();
    this.load = undefined;
    const frozenAt = new Date().toISOString();
    return {
      startedAt,
      endedAt: frozenAt,
      parameterName: `application write load (${stats?.commits ?? 0} units committed before the freeze)`,
      frozenAt,
      outcome: 'done',
    };
  }

  async checkCaughtUp(state: FailbackState): Promise<NonNullable<FailbackState['catchUp']>> {
    const previous = state.catchUp ?? { polls: 0, waitSeconds: 1, lagSeconds: null, zeroLagPolls: 0, caughtUp: false };
    const primary = await queryOne<{ lsn: string }>(
      adminUrl(this.currentPort(state)),
      'SELECT pg_current_wal_lsn()::text AS lsn',
    );
    const replayed = await queryOne<{ lsn: string }>(
      this.replicaCluster().url(),
      'SELECT pg_last_wal_replay_lsn()::text AS lsn',
    );
    const same = primary?.lsn !== undefined && primary.lsn === replayed?.lsn;
    const zeroLagPolls = same ? previous.zeroLagPolls + 1 : 0;
    const caughtUp = zeroLagPolls >= ZERO_LAG_READINGS;
    return {
      polls: previous.polls + 1,
      waitSeconds: 1,
      lagSeconds: same ? 0 : null,
      zeroLagPolls,
      caughtUp,
      ...(caughtUp ? { caughtUpAt: new Date().toISOString() } : {}),
    };
  }

  async promote(): Promise<NonNullable<FailbackState['promotion']>> {
    const startedAt = new Date().toISOString();
    const replica = this.replicaCluster();
    await replica.promote().catch((error: Error & { stderr?: string }) => {
      throw new StepError(Errors.stepFailed, `pg_ctl promote failed: ${error.stderr?.trim() || error.message}`);
    });
    return { ...startedPending(startedAt), endpoint: { host: '127.0.0.1', port: replica.port } };
  }

  async checkPromoted(state: FailbackState): Promise<NonNullable<FailbackState['promotion']>> {
    const promotion = required(state.promotion, 'promotion');
    const replica = this.replicaCluster();
    if (!(await isWritable(replica.url(LOCAL_DATABASE)))) return { ...promotion, polls: promotion.polls + 1 };
    await this.moveGlobalWriterBack(replica.port);
    return {
      ...promotion,
      polls: promotion.polls + 1,
      status: 'available',
      availableAt: new Date().toISOString(),
      endpoint: { host: '127.0.0.1', port: replica.port },
    };
  }

  async repoint(state: FailbackState): Promise<NonNullable<FailbackState['repoint']>> {
    const startedAt = new Date().toISOString();
    const endpoint = required(state.promotion?.endpoint, 'promotion.endpoint');
    if (this.options.global) return repointThroughGlobalWriterEndpoint(this.options.endpointFile, endpoint, startedAt);
    return repointEndpointFile(this.options.endpointFile, endpoint, startedAt);
  }

  /** AWS's part once the switchover back is done: the global writer endpoint leads to the primary cluster again. */
  private async moveGlobalWriterBack(port: number): Promise<void> {
    const { global } = this.options;
    if (!global || this.globalWriterMoved) return;
    this.globalWriterMoved = true;
    const move = () => global.moveWriter(PRIMARY_CLUSTER, { host: '127.0.0.1', port });
    await (this.options.moveGlobalWriter ? this.options.moveGlobalWriter(move) : move());
  }

  async checkRepoint(state: FailbackState): Promise<NonNullable<FailbackState['repoint']>> {
    const repoint = required(state.repoint, 'repoint');
    return { ...repoint, polls: repoint.polls + 1 };
  }

  async verify(state: FailbackState): Promise<NonNullable<FailbackState['verify']>> {
    const startedAt = new Date().toISOString();
    const endpoint = required(state.promotion?.endpoint, 'promotion.endpoint');
    const { global } = this.options;
    return verifyClientsFollow(this.options.endpointFile, endpoint, this.options.unitWriter, startedAt, {
      checks: global ? (pointer) => verifyGlobalWriterEndpoint(global, PRIMARY_CLUSTER, endpoint, pointer) : undefined,
      resolve: (pointer) => resolveThrough(global, pointer),
    });
  }

  async unfreeze(state: FailbackState): Promise<NonNullable<FailbackState['unfreeze']>> {
    const startedAt = new Date().toISOString();
    const endpoint = required(state.promotion?.endpoint, 'promotion.endpoint');
    this.load = await WriteLoad.start(adminUrl(endpoint.port, LOCAL_DATABASE), this.options.unitWriter);
    return { startedAt, endedAt: new Date().toISOString() };
  }

  async storeEvidence(doc: EvidenceDocument): Promise<string> {
    return this.options.store ? this.options.store.put(doc) : '';
  }

  /** The failback server (the new primary), once built. */
  failbackServer(): PostgresCluster | undefined {
    return this.replica;
  }

  /** Stop the application's load and the failback server, and remove its directory (the game day's cleanup). */
  async remove(): Promise<string[]> {
    await this.load?.stop().catch(() => undefined);
    this.load = undefined;
    if (!this.replica) return [];
    await this.replica.destroy();
    return [this.replica.rootDir];
  }

  private currentPort(state: FailbackState): number {
    const current = required(state.plan, 'plan').currentPrimary.identifier;
    return Number(current.slice(current.lastIndexOf(':') + 1));
  }

  private replicaCluster(): PostgresCluster {
    if (!this.replica) throw new StepError(Errors.invalidInput, `${FAILBACK} has not been built yet`);
    return this.replica;
  }
}

function adminUrl(port: number, database = 'postgres'): string {
  return `postgres://postgres@127.0.0.1:${port}/${database}`;
}

async function dataDirectoryOf(port: number): Promise<string> {
  const row = await queryOne<{ d: string }>(adminUrl(port), "SELECT current_setting('data_directory') AS d");
  if (!row) throw new StepError(Errors.stepFailed, `127.0.0.1:${port} does not answer`);
  return row.d;
}

async function queryOne<T extends object>(url: string, sql: string): Promise<T | undefined> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.query<T>(sql)).rows[0];
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A step that started its work: done, and its status pending until the next poll sees the work finished. */
function startedPending(startedAt: string) {
  return {
    startedAt,
    endedAt: new Date().toISOString(),
    outcome: 'done' as const,
    polls: 0,
    waitSeconds: 1,
    status: 'pending' as const,
  };
}
