import type { RestoreHandle } from '../../engines/drill/provider';
import type { DrillValidator } from '../../engines/drill/validator';
import type { EvidenceDocument } from '../../engines/evidence/schema';
import type { EvidenceStore } from '../../engines/evidence/store';
import { Errors, StepError, type Strategy } from '../../engines/failover/catalog';
import type { FailoverState, FreezeRecord, Plan } from '../../engines/failover/failover-steps/state';
import { required } from '../../engines/failover/failover-steps/required';
import type { FailoverProvider, RecoveryRecord, RepointRecord } from '../../engines/failover/provider';
import { repointEndpointFile, type FailoverSite } from './failover-site';
import { clientsWriteThrough, isWritable, readPointer, verifyClientsFollow } from './failover-probes';
import { localRestoreProvider } from './restore-provider-for';
import type { LocalEngine } from './local-engines';
import { resolveThrough, type LocalGlobalDatabase } from './local-global-database';
import {
  repointThroughGlobalWriterEndpoint,
  throughGlobalWriterEndpoint,
  verifyGlobalWriterEndpoint,
} from './local-global-writer-steps';
import type { LocalRestoreBase } from './local-restore-base';
import {
  fromStandby,
  isPlanned,
  planLocalFailover,
  restoredName,
  STANDBY,
  STANDBY_DIED_BEFORE_PROMOTION,
} from './local-failover-plan';
import { freezePrimaryWrites, liftPrimaryFreeze, noDataLoss, replayGap } from './switchover';
import { LOCAL_DATABASE } from './local-run';
import type { ProcessGuard } from './process-guard';
import type { UnitWriter } from './write-load';

export interface LocalFailoverProviderOptions {
  readonly site: FailoverSite;
  readonly validator: DrillValidator;
  /** The newest write the lost primary may have committed: the RPO reference (known once the fault struck). */
  readonly newestWrite: () => Date;
  readonly targets: { readonly rtoSeconds: number; readonly rpoSeconds: number };
  readonly tier: number;
  readonly store?: EvidenceStore;
  readonly guard: ProcessGuard;
  /** The application's unit of work, used by `verify` to prove clients write through the new pointer. */
  readonly unitWriter: UnitWriter;
  /** A switchover whose standby has not replayed the primary's frozen WAL position by then fails. @default 30 */
  readonly catchUpTimeoutSeconds?: number;
  /** `aurora-postgresql`: a point-in-time failover restores a cluster and adds its instance. @default postgres */
  readonly engine?: LocalEngine;
  /** Clients connect through this global database's writer endpoint (a global switchover or failover moves it). */
  readonly global?: LocalGlobalDatabase;
  /** Replaces the global database's move of its writer endpoint (a test makes it stay behind). */
  readonly moveGlobalWriter?: (move: () => Promise<void>) => Promise<void>;
}

/**
 * The failover provider over local PostgreSQL: the same steps the AWS runbook takes, with the streaming
 * standby standing in for the cross-region replica, a base backup + WAL archive for the replicated backups,
 * and a JSON endpoint file for the DNS record clients resolve.
 */
export class LocalFailoverProvider implements FailoverProvider {
  readonly name = 'local';
  private readonly restores: LocalRestoreBase;
  private restore?: RestoreHandle;
  /** Where the recovered database listens, once it accepts writes. */
  private recovered?: { host: string; port: number; url: string };
  /** A switchover promoted the standby (the primary's freeze must then stay). */
  private promoted = false;
  /** The global database moved its writer endpoint to the promoted standby (once). */
  private globalWriterMoved = false;
  /** What the switchover's catch-up reached before the promotion. */
  private caughtUp?: string;

  constructor(private readonly options: LocalFailoverProviderOptions) {
    const { site } = options;
    this.restores = localRestoreProvider(options.engine, {
      backupsDir: site.backupsDir,
      archiveDir: site.archiveDir,
      restoresDir: site.restoresDir,
      sourceDatabase: `local-primary:${site.primary.port}`,
      database: LOCAL_DATABASE,
      latestRestorableTime: options.newestWrite,
      guard: options.guard,
    });
  }

  /** Read-only, like the AWS preflight: is the primary gone, and what can each strategy recover? */
  async preflight(state: FailoverState): Promise<Plan> {
    return planLocalFailover(state, this.options);
  }

  async freeze(state: FailoverState): Promise<FreezeRecord> {
    const startedAt = new Date().toISOString();
    const stats = await this.options.site.load.stop();
    const stopped = `the application stopped writing: ${stats.commits} units committed, the newest at ${stats.lastCommittedAt?.toISOString() ?? 'never'}`;
    if (!isPlanned(required(state.plan, 'plan').strategy))
      return { startedAt, endedAt: new Date().toISOString(), detail: stopped };
    const primaryUrl = this.options.site.primary.url();
    const frozen = await freezePrimaryWrites(primaryUrl).catch(async (error: Error) => {
      // Half frozen is still frozen: give the primary its writes back before the run fails.
      await liftPrimaryFreeze(primaryUrl).catch(() => undefined);
      throw new StepError(Errors.stepFailed, `the primary's writes could not be frozen: ${error.message}`);
    });
    return {
      startedAt,
      endedAt: new Date().toISOString(),
      detail: `${stopped}; the primary is read-only (${frozen.ended} other sessions ended) at WAL position ${frozen.walPosition}`,
      walPosition: frozen.walPosition,
    };
  }

  /**
   * A switchover that failed before the standby was promoted gives the primary its writes back, and proves it
   * with a client writing through the (unchanged) pointer. After the promotion the freeze stays: the old primary
   * must never take writes next to the new one.
   */
  async unfreeze(state: FailoverState): Promise<FreezeRecord | undefined> {
    if (!state.plan || !isPlanned(state.plan.strategy)) return undefined;
    const startedAt = new Date().toISOString();
    if (this.promoted)
      return {
        startedAt,
        endedAt: new Date().toISOString(),
        detail: `kept: ${STANDBY} was promoted, so the old primary stays frozen and stopped`,
      };
    const { site } = this.options;
    await liftPrimaryFreeze(site.primary.url());
    const pointer = await readPointer(site.endpointFile);
    const writes = pointer
      ? await clientsWriteThrough(await resolveThrough(this.options.global, pointer), this.options.unitWriter)
      : { ok: false, detail: 'the endpoint file is unreadable' };
    if (!writes.ok) throw new Error(`the primary does not take writes again: ${writes.detail}`);
    return {
      startedAt,
      endedAt: new Date().toISOString(),
      detail: `lifted: nothing was promoted; the primary 127.0.0.1:${site.primary.port} takes writes again (${writes.detail})`,
    };
  }

  async startRecovery(state: FailoverState): Promise<RecoveryRecord> {
    const startedAt = new Date().toISOString();
    const plan = required(state.plan, 'plan');
    let detail: string;
    if (isPlanned(plan.strategy)) {
      const position = required(state.freeze?.walPosition, 'freeze.walPosition');
      detail = `${STANDBY} replays the primary's WAL up to ${position}; it is promoted once it has`;
    } else if (fromStandby(plan.strategy)) {
      const standby = this.options.site.standby;
      if (!standby.isRunning()) throw new StepError(Errors.stepFailed, STANDBY_DIED_BEFORE_PROMOTION);
      await standby.promote().catch((error: Error & { stderr?: string }) => {
        if (!standby.isRunning()) throw new StepError(Errors.stepFailed, STANDBY_DIED_BEFORE_PROMOTION);
        throw new StepError(Errors.stepFailed, `pg_ctl promote failed: ${error.stderr?.trim() || error.message}`);
      });
      detail = `promotion of ${STANDBY} started`;
    } else {
      const source = await this.restores.findSource(LOCAL_DATABASE, { kind: 'latest' });
      this.restore = await this.restores.startRestore(source, state.execution.name);
      detail = `restore of ${restoredName(this.options.engine)} started from base backup ${source.id}, replaying the WAL archive`;
    }
    return {
      startedAt,
      endedAt: new Date().toISOString(),
      instanceIdentifier: plan.targetInstanceIdentifier,
      outcome: 'done',
      polls: 0,
      waitSeconds: 1,
      status: 'pending',
      detail,
    };
  }

  async checkRecovery(state: FailoverState): Promise<RecoveryRecord> {
    const recovery = required(state.recovery, 'recovery');
    const polls = recovery.polls + 1;
    if (this.restore) {
      const status = await this.restores.describeRestore(this.restore);
      if (status.state === 'failed') throw new StepError(Errors.stepFailed, `the restore failed: ${status.reason}`);
      if (status.state === 'available') {
        const connection = await this.restores.connection(this.restore);
        const [host = '127.0.0.1', port] = (status.target.endpoint ?? '').split(':');
        this.recovered = { host, port: Number(port), url: String(connection.url) };
      }
    } else {
      const standby = this.options.site.standby;
      if (isPlanned(required(state.plan, 'plan').strategy) && !this.promoted) {
        const waiting = await this.catchUpThenPromote(state);
        if (waiting) return { ...recovery, polls, status: 'pending', detail: waiting };
      }
      if (!standby.isRunning())
        throw new StepError(Errors.stepFailed, 'the standby PostgreSQL server exited while it was being promoted');
      if (await isWritable(standby.url(LOCAL_DATABASE))) {
        this.recovered = { host: '127.0.0.1', port: standby.port, url: standby.url(LOCAL_DATABASE) };
        await this.moveGlobalWriter(required(state.plan, 'plan').strategy, this.recovered);
      }
      if (this.recovered && this.caughtUp)
        return {
          ...recovery,
          polls,
          status: 'available',
          detail: `${this.caughtUp}, was promoted and accepts writes; the old primary is stopped`,
          availableAt: new Date().toISOString(),
          endpoint: { host: this.recovered.host, port: this.recovered.port },
        };
    }
    if (!this.recovered)
      return {
        ...recovery,
        polls,
        status: 'pending',
        detail: `${recovery.instanceIdentifier} does not accept writes yet`,
      };
    return {
      ...recovery,
      polls,
      status: 'available',
      detail: `${recovery.instanceIdentifier} accepts writes`,
      availableAt: new Date().toISOString(),
      endpoint: { host: this.recovered.host, port: this.recovered.port },
    };
  }

  /** AWS's part once a global switchover or failover is done: the global writer endpoint leads to the new writer. */
  private async moveGlobalWriter(strategy: Strategy, writer: { host: string; port: number }): Promise<void> {
    const { global } = this.options;
    if (this.globalWriterMoved || !throughGlobalWriterEndpoint(global, strategy)) return;
    this.globalWriterMoved = true;
    const move = () => global.moveWriter(STANDBY, { host: writer.host, port: writer.port });
    await (this.options.moveGlobalWriter ? this.options.moveGlobalWriter(move) : move());
  }

  /**
   * The switchover's catch-up: until the standby has replayed the primary's frozen WAL position, say how far it
   * is (or fail once the time is up: nothing is promoted); then promote it and stop the old primary, so it can
   * never take writes next to the new one. Returns what it waits for, or undefined once promoted.
   */
  private async catchUpThenPromote(state: FailoverState): Promise<string | undefined> {
    const { site } = this.options;
    const position = required(state.freeze?.walPosition, 'freeze.walPosition');
    if (!site.standby.isRunning()) throw new StepError(Errors.stepFailed, STANDBY_DIED_BEFORE_PROMOTION);
    const gap = await replayGap(site.standby.url(), position);
    if (!gap || gap.behindBytes > 0) {
      const where = gap ? `replayed ${gap.replayed}, ${gap.behindBytes} bytes behind` : 'does not answer as a standby';
      const waitedSeconds = (Date.now() - Date.parse(required(state.recovery, 'recovery').startedAt)) / 1000;
      const timeout = this.options.catchUpTimeoutSeconds ?? 30;
      if (waitedSeconds > timeout)
        throw new StepError(
          Errors.stepFailed,
          `${STANDBY} did not catch up with the primary's WAL position ${position} within ${timeout} s ` +
            `(${where}): nothing was promoted`,
        );
      return `${STANDBY} catches up with ${position}: ${where}`;
    }
    await site.standby.promote().catch((error: Error & { stderr?: string }) => {
      throw new StepError(Errors.stepFailed, `pg_ctl promote failed: ${error.stderr?.trim() || error.message}`);
    });
    this.promoted = true;
    this.caughtUp = `${STANDBY} replayed ${gap.replayed} (the primary froze at ${position})`;
    await site.primary.stop('fast');
    return undefined;
  }

  async validate(state: FailoverState): Promise<{
    startedAt: string;
    endedAt: string;
    passed: boolean;
    achievedRpoSeconds?: number;
    checks: EvidenceDocument['checks'];
  }> {
    const startedAt = new Date().toISOString();
    const recovered = this.recoveredOrThrow();
    const plan = required(state.plan, 'plan');
    const planned = isPlanned(plan.strategy);
    // A switchover's reference is the last write acknowledged before the freeze, known only once it froze.
    const recoveryPointTime = planned
      ? this.options.newestWrite()
      : new Date(required(plan.source, 'plan.source').recoveryPointTime);
    const result = await this.options.validator.validate({
      connection: { url: recovered.url, display: `${recovered.host}:${recovered.port}/${LOCAL_DATABASE}` },
      recoveryPointTime,
      database: LOCAL_DATABASE,
    });
    const noLoss = planned ? noDataLoss(recoveryPointTime, result.achievedRpoSeconds) : undefined;
    return {
      startedAt,
      endedAt: new Date().toISOString(),
      passed: result.passed && (!noLoss || noLoss.status === 'passed'),
      ...(result.achievedRpoSeconds !== undefined ? { achievedRpoSeconds: result.achievedRpoSeconds } : {}),
      checks: noLoss ? [...result.checks, noLoss] : result.checks,
    };
  }

  async repoint(state: FailoverState): Promise<RepointRecord> {
    const startedAt = new Date().toISOString();
    if (!required(state.validation, 'validation').passed)
      throw new StepError(Errors.stepFailed, 'validation failed: clients stay where they are');
    const endpoint = required(state.recovery?.endpoint, 'recovery.endpoint');
    if (throughGlobalWriterEndpoint(this.options.global, required(state.plan, 'plan').strategy))
      return repointThroughGlobalWriterEndpoint(this.options.site.endpointFile, endpoint, startedAt);
    return repointEndpointFile(this.options.site.endpointFile, endpoint, startedAt);
  }

  async checkRepoint(state: FailoverState): Promise<RepointRecord> {
    const repoint = required(state.repoint, 'repoint');
    return { ...repoint, polls: repoint.polls + 1 };
  }

  async verify(state: FailoverState): Promise<{
    startedAt: string;
    endedAt: string;
    checks: { name: string; ok: boolean; detail: string }[];
  }> {
    const startedAt = new Date().toISOString();
    const endpoint = required(state.recovery?.endpoint, 'recovery.endpoint');
    const { global, site } = this.options;
    const strategy = required(state.plan, 'plan').strategy;
    return verifyClientsFollow(site.endpointFile, endpoint, this.options.unitWriter, startedAt, {
      checks: throughGlobalWriterEndpoint(global, strategy)
        ? (pointer) => verifyGlobalWriterEndpoint(global, STANDBY, endpoint, pointer)
        : undefined,
      resolve: (pointer) => resolveThrough(this.options.global, pointer),
    });
  }

  async storeEvidence(doc: EvidenceDocument): Promise<string> {
    if (!this.options.store) return '';
    return this.options.store.put(doc);
  }

  /** The recovered server's data directory and how to reach it (for `--keep` and cleanup). */
  recoveredServer(): { url: string; dataDir?: string } | undefined {
    if (!this.recovered) return undefined;
    return { url: this.recovered.url, dataDir: this.restore ? undefined : this.options.site.standby.dataDir };
  }

  /** Stop and remove a restored server (the standby belongs to the site). */
  async removeRestored(): Promise<string[]> {
    if (!this.restore) return [];
    await this.deleteRestore(this.restore);
    return [this.restore.id];
  }

  startedPids(): number[] {
    return this.restores.startedPids();
  }

  /** Stop and remove a restored cluster's instance and then the cluster, or a restored instance. */
  private async deleteRestore(handle: RestoreHandle): Promise<void> {
    await this.restores.deleteRestored(handle);
    for (let step = 0; step < 10; step++) {
      const status = await this.restores.describeDeletion(handle);
      if (status.state === 'deleted') return;
      if (status.state === 'failed') throw new Error(status.reason);
      await this.restores.deleteRestored(handle);
    }
    throw new Error(`${handle.id} is still not deleted`);
  }

  private recoveredOrThrow(): { host: string; port: number; url: string } {
    if (!this.recovered) throw new StepError(Errors.invalidInput, 'nothing has been recovered yet');
    return this.recovered;
  }
}
