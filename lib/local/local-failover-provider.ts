import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { RestoreHandle } from '../../engines/drill/provider';
import type { DrillValidator } from '../../engines/drill/validator';
import type { EvidenceDocument } from '../../engines/evidence/schema';
import type { EvidenceStore } from '../../engines/evidence/store';
import { Errors, StepError, type Strategy } from '../../engines/failover/catalog';
import type { FailoverState, Plan } from '../../engines/failover/failover-steps/state';
import { required } from '../../engines/failover/failover-steps/required';
import type { FailoverProvider, RecoveryRecord, RepointRecord } from '../../engines/failover/provider';
import { repointEndpointFile, type FailoverSite } from './failover-site';
import { answers, clientsWriteThrough, isWritable, lastReplayed, newestArchived, readPointer } from './failover-probes';
import { LocalRestoreProvider } from './local-restore-provider';
import { LOCAL_DATABASE } from './local-run';
import type { ProcessGuard } from './process-guard';
import type { UnitWriter } from './write-load';

/** The strategies one machine can rehearse: promote the streaming standby, or restore base backup + WAL. */
export const LOCAL_STRATEGIES: readonly Strategy[] = ['promote-replica', 'point-in-time', 'global-failover'];

/**
 * Strategies that promote the streaming standby. On one machine an Aurora cluster is PostgreSQL with a streaming
 * replica, so a global database's failover to its secondary is rehearsed as the standby's promotion.
 */
const fromStandby = (strategy: Strategy): boolean => strategy === 'promote-replica' || strategy === 'global-failover';

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
}

const STANDBY = 'rxdr_standby';
const RESTORED = 'rxdr_restored';
/** A server this run started died: say so, rather than what a probe of it saw (it does not answer). */
const STANDBY_DIED_BEFORE_PROMOTION =
  'the standby PostgreSQL server is not running: it exited before it could be promoted';

/**
 * The failover provider over local PostgreSQL: the same steps the AWS runbook takes, with the streaming
 * standby standing in for the cross-region replica, a base backup + WAL archive for the replicated backups,
 * and a JSON endpoint file for the DNS record clients resolve.
 */
export class LocalFailoverProvider implements FailoverProvider {
  readonly name = 'local';
  private readonly restores: LocalRestoreProvider;
  private restore?: RestoreHandle;
  /** Where the recovered database listens, once it accepts writes. */
  private recovered?: { host: string; port: number; url: string };

  constructor(private readonly options: LocalFailoverProviderOptions) {
    const { site } = options;
    this.restores = new LocalRestoreProvider({
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
    const startedAt = new Date().toISOString();
    const { site } = this.options;
    const strategy = state.input.strategy ?? 'promote-replica';
    const checks: Plan['checks'] = [];
    const blockers: string[] = [];
    const check = (name: string, ok: boolean, detail: string, blocking: boolean) => {
      checks.push({ name, ok, detail });
      if (!ok && blocking) blockers.push(`${name}: ${detail}`);
    };
    const primaryAnswers = await answers(site.primary.url(LOCAL_DATABASE));
    const primary = {
      identifier: `local-primary:${site.primary.port}`,
      status: primaryAnswers ? 'available' : 'unreachable',
      healthy: primaryAnswers,
      detail: primaryAnswers
        ? `the primary at 127.0.0.1:${site.primary.port} accepts connections`
        : `the primary at 127.0.0.1:${site.primary.port} does not answer`,
    };
    checks.push({ name: 'primary', ok: !primary.healthy, detail: primary.detail });
    if (!LOCAL_STRATEGIES.includes(strategy))
      check('strategy', false, `${strategy} is not rehearsed locally: choose ${LOCAL_STRATEGIES.join(' or ')}`, true);

    const newest = this.options.newestWrite();
    const standbyRunning = site.standby.isRunning();
    const replayed = standbyRunning ? await lastReplayed(site.standby.url()) : undefined;
    const replicaLoss = replayed ? Math.max(0, Math.round((newest.getTime() - replayed.getTime()) / 1000)) : null;
    check(
      'replica',
      replayed !== undefined,
      replayed
        ? `standby ${STANDBY} replayed up to ${replayed.toISOString()} (expected data loss ${replicaLoss} s)`
        : standbyRunning
          ? `standby ${STANDBY} does not answer as a standby`
          : STANDBY_DIED_BEFORE_PROMOTION,
      fromStandby(strategy),
    );
    const archived = await newestArchived(site.archiveDir);
    const archiveLoss = archived ? Math.max(0, Math.round((newest.getTime() - archived.getTime()) / 1000)) : null;
    const backups = await readdir(site.backupsDir).catch(() => []);
    check(
      'automated-backups',
      backups.length > 0 && archived !== undefined,
      backups.length > 0 && archived
        ? `${backups.length} base backup(s); newest archived WAL ${archived.toISOString()} (expected data loss ${archiveLoss} s)`
        : 'no base backup or no archived WAL',
      strategy === 'point-in-time',
    );
    const expectedDataLossSeconds = fromStandby(strategy) ? replicaLoss : archiveLoss;
    const warnings =
      expectedDataLossSeconds !== null && expectedDataLossSeconds > this.options.targets.rpoSeconds
        ? [`expected data loss ${expectedDataLossSeconds} s exceeds the RPO of ${this.options.targets.rpoSeconds} s`]
        : [];
    const refused = primary.healthy && !state.input.force;
    const target = fromStandby(strategy) ? STANDBY : RESTORED;
    return {
      startedAt,
      endedAt: new Date().toISOString(),
      database: state.input.database,
      strategy,
      tier: this.options.tier,
      rtoSeconds: this.options.targets.rtoSeconds,
      rpoSeconds: this.options.targets.rpoSeconds,
      primary,
      source: {
        kind: fromStandby(strategy) ? 'replica' : 'point-in-time',
        id: fromStandby(strategy) ? STANDBY : site.archiveDir,
        recoveryPointTime: newest.toISOString(),
      },
      targetInstanceIdentifier: target,
      recoveryAlreadyStarted: false,
      expectedDataLossSeconds,
      expectedDurationSeconds: fromStandby(strategy) ? 5 : 30,
      checks,
      blockers,
      warnings,
      refused,
      decision: blockers.length > 0 ? 'blocked' : state.input.dryRun ? 'dry-run' : refused ? 'refused' : 'proceed',
      steps: [
        { name: 'approval', description: 'an operator approves', status: 'pending' },
        { name: 'freeze', description: 'stop the application writing to the old primary', status: 'pending' },
        {
          name: 'recover',
          description: fromStandby(strategy)
            ? `promote ${STANDBY} (pg_ctl promote)`
            : `restore ${RESTORED} from the base backup and replay the WAL archive to its end`,
          status: 'pending',
        },
        { name: 'validate', description: 'run the validation engine with the manifest', status: 'pending' },
        { name: 'repoint', description: `rewrite ${site.endpointFile}`, status: 'pending' },
        {
          name: 'verify',
          description: 'the pointer reads the new endpoint; clients write through it',
          status: 'pending',
        },
        { name: 'evidence', description: 'write the evidence document', status: 'pending' },
      ],
    };
  }

  async freeze(): Promise<{ startedAt: string; endedAt: string; detail: string }> {
    const startedAt = new Date().toISOString();
    const stats = await this.options.site.load.stop();
    return {
      startedAt,
      endedAt: new Date().toISOString(),
      detail: `the application stopped writing: ${stats.commits} units committed, the newest at ${stats.lastCommittedAt?.toISOString() ?? 'never'}`,
    };
  }

  async startRecovery(state: FailoverState): Promise<RecoveryRecord> {
    const startedAt = new Date().toISOString();
    const plan = required(state.plan, 'plan');
    let detail: string;
    if (fromStandby(plan.strategy)) {
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
      detail = `restore of ${RESTORED} started from base backup ${source.id}, replaying the WAL archive`;
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
      if (!standby.isRunning())
        throw new StepError(Errors.stepFailed, 'the standby PostgreSQL server exited while it was being promoted');
      if (await isWritable(standby.url(LOCAL_DATABASE)))
        this.recovered = { host: '127.0.0.1', port: standby.port, url: standby.url(LOCAL_DATABASE) };
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
    const result = await this.options.validator.validate({
      connection: { url: recovered.url, display: `${recovered.host}:${recovered.port}/${LOCAL_DATABASE}` },
      recoveryPointTime: new Date(required(plan.source, 'plan.source').recoveryPointTime),
      database: LOCAL_DATABASE,
    });
    return {
      startedAt,
      endedAt: new Date().toISOString(),
      passed: result.passed,
      ...(result.achievedRpoSeconds !== undefined ? { achievedRpoSeconds: result.achievedRpoSeconds } : {}),
      checks: result.checks,
    };
  }

  async repoint(state: FailoverState): Promise<RepointRecord> {
    const startedAt = new Date().toISOString();
    if (!required(state.validation, 'validation').passed)
      throw new StepError(Errors.stepFailed, 'validation failed: clients stay where they are');
    const endpoint = required(state.recovery?.endpoint, 'recovery.endpoint');
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
    const pointer = await readPointer(this.options.site.endpointFile);
    const checks = [
      {
        name: 'endpoint-file',
        ok: pointer?.host === endpoint.host && pointer.port === endpoint.port,
        detail: `${path.basename(this.options.site.endpointFile)} → ${pointer ? `${pointer.host}:${pointer.port}` : '(unreadable)'}`,
      },
    ];
    if (pointer) checks.push(await clientsWriteThrough(pointer, this.options.unitWriter));
    const failed = checks.filter((c) => !c.ok);
    if (failed.length > 0)
      throw new StepError(
        Errors.stepFailed,
        `verification failed: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
      );
    return { startedAt, endedAt: new Date().toISOString(), checks };
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
    await this.restores.deleteRestored(this.restore);
    return [this.restore.id];
  }

  startedPids(): number[] {
    return this.restores.startedPids();
  }

  private recoveredOrThrow(): { host: string; port: number; url: string } {
    if (!this.recovered) throw new StepError(Errors.invalidInput, 'nothing has been recovered yet');
    return this.recovered;
  }
}
