import type { z } from 'zod';
import type { EvidenceDocument } from '../evidence/schema';
import type { FailoverState, Plan, Recovery, Repoint, Validation } from './failover-steps/state';
import type { FreezeRecord, VerifyRecord } from './failover-steps/state';
import type { FailbackPlan, FailbackState } from './failback-steps/state';

export type RecoveryRecord = z.infer<typeof Recovery>;
export type ValidationRecord = z.infer<typeof Validation>;
export type RepointRecord = z.infer<typeof Repoint>;

/**
 * Everything a failover needs from the platform, one method per runbook step, so that the same phases run in
 * the AWS state machine (one task each, `dispatch.ts`) and in-process on one machine (`runFailover`).
 *
 * | method          | AWS (`aws-provider.ts`)                                          | local PostgreSQL (`lib/local`)              |
 * |-----------------|------------------------------------------------------------------|---------------------------------------------|
 * | `preflight`     | RDS status, replica lag, backups, key, secret, quota (read-only) | primary answers? standby lag, base backups  |
 * | `freeze`        | — (clients follow the repointed names)                           | stop the application's writes to the primary |
 * | `unfreeze`      | —                                                                | a failed switchover: writes go on at the primary |
 * | `startRecovery` | `PromoteReadReplica` / PITR restore / AWS Backup restore job     | `pg_ctl promote` / base backup + WAL replay |
 * | `checkRecovery` | `DescribeDBInstances` (+ restore job)                             | server accepts writes?                       |
 * | `validate`      | the report of the validator function's own tasks, as evidence    | the validation engine with the manifest     |
 * | `repoint`       | Route 53 record, SSM parameter, secret host                       | the endpoint file clients read              |
 * | `checkRepoint`  | Route 53 `GetChange` INSYNC                                       | read the endpoint file back                 |
 * | `verify`        | every pointer reads the new endpoint, instance available          | same, and the new primary accepts writes    |
 * | `storeEvidence` | S3 (Object Lock, never overwrites)                                | the evidence directory                      |
 *
 * Every method is short (it starts, describes or changes one thing; it never waits): the caller polls.
 * A method throws a `StepError` for a failure the runbook reports; the caller records it as the failed step.
 */
export interface FailoverProvider {
  /** `aws` or `local`; recorded in evidence. */
  readonly name: string;
  preflight(state: FailoverState): Promise<Plan>;
  /** Optional: a platform whose clients keep writing to a dead primary stops them here. */
  freeze?(state: FailoverState): Promise<FreezeRecord>;
  /**
   * Optional: the run froze writes and then failed. Lift the freeze if nothing was promoted (the primary takes the
   * writes again); keep it if something was (two writable primaries must never exist). Undefined: nothing to lift.
   */
  unfreeze?(state: FailoverState): Promise<FreezeRecord | undefined>;
  startRecovery(state: FailoverState): Promise<RecoveryRecord>;
  checkRecovery(state: FailoverState): Promise<RecoveryRecord>;
  validate(state: FailoverState): Promise<ValidationRecord>;
  repoint(state: FailoverState): Promise<RepointRecord>;
  checkRepoint(state: FailoverState): Promise<RepointRecord>;
  verify(state: FailoverState): Promise<VerifyRecord>;
  /** Write the evidence document; returns where. Evidence that cannot be written is a failure (it throws). */
  storeEvidence(doc: EvidenceDocument): Promise<string>;
}

type Step<K extends keyof FailbackState> = NonNullable<FailbackState[K]>;

/**
 * Everything a failback needs from the platform, one method per step, so that the same phases run in the AWS
 * state machine (`dispatch.ts`) and in-process on one machine (`runFailback`).
 *
 * | method          | AWS (`aws-provider.ts`)                                   | local PostgreSQL (`lib/local`)                 |
 * |-----------------|-----------------------------------------------------------|------------------------------------------------|
 * | `preflight`     | which instance serves the secret's host; primary region   | which server the endpoint file names           |
 * | `createReplica` | cross-region read replica in the primary region           | a streaming standby of the current primary     |
 * | `freeze`        | the write-freeze SSM parameter applications honour        | stop the application's writes                  |
 * | `checkCaughtUp` | `ReplicaLag` CloudWatch readings at zero                  | the standby replayed the primary's WAL position |
 * | `promote`       | `PromoteReadReplica`                                      | `pg_ctl promote`                               |
 * | `repoint`       | Route 53 record, SSM parameter, secret host               | the endpoint file clients read                 |
 * | `verify`        | every pointer reads the failback instance                 | the pointer, and clients write through it      |
 * | `unfreeze`      | lift the write freeze                                     | the application writes again                   |
 *
 * Like the failover's, every method is short and never waits: the caller polls the `check*` methods.
 */
export interface FailbackProvider {
  /** `aws` or `local`; recorded in evidence. */
  readonly name: string;
  preflight(state: FailbackState): Promise<FailbackPlan>;
  createReplica(state: FailbackState): Promise<Step<'replica'>>;
  checkReplica(state: FailbackState): Promise<Step<'replica'>>;
  freeze(state: FailbackState): Promise<Step<'freeze'>>;
  checkCaughtUp(state: FailbackState): Promise<Step<'catchUp'>>;
  promote(state: FailbackState): Promise<Step<'promotion'>>;
  checkPromoted(state: FailbackState): Promise<Step<'promotion'>>;
  repoint(state: FailbackState): Promise<Step<'repoint'>>;
  checkRepoint(state: FailbackState): Promise<Step<'repoint'>>;
  verify(state: FailbackState): Promise<Step<'verify'>>;
  unfreeze(state: FailbackState): Promise<Step<'unfreeze'>>;
  /** Write the evidence document; returns where. Evidence that cannot be written is a failure (it throws). */
  storeEvidence(doc: EvidenceDocument): Promise<string>;
}
