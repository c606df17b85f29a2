import type { EvidenceCheck, EvidenceTarget } from '../evidence/schema';
import type { DatabaseTarget } from '../validation/db';

/**
 * Where to restore from. Step Functions passes it as drill input:
 * `latest` (default), one named recovery point, or a point in time (PITR).
 */
export type SourceSelector =
  | { readonly kind: 'latest' }
  | { readonly kind: 'recovery-point'; readonly id: string }
  | { readonly kind: 'point-in-time'; readonly time: string };

/** A restorable source, as `findSource` resolved it. JSON-serialisable (it travels between tasks). */
export interface RecoverySource {
  /** Recovery point ARN, automated-backup ARN, or (local) the base backup's label. */
  readonly id: string;
  readonly kind: 'snapshot' | 'point-in-time';
  /** The newest moment whose data the restore should hold: the RPO reference. ISO 8601. */
  readonly recoveryPointTime: string;
  /** The protected database's identifier (DB instance/cluster id, or the local primary's name). */
  readonly sourceDatabase: string;
  readonly details?: Readonly<Record<string, string>>;
}

/** What `startRestore` returns and every later call receives. Plain strings only: it lives in the execution state. */
export interface RestoreHandle {
  /** The restored instance's identifier (AWS: the DB instance id the drill chose; local: the restore directory name). */
  readonly id: string;
  /** Provider bookkeeping, e.g. `{ restoreJobId }` for an AWS Backup job. */
  readonly details: Readonly<Record<string, string>>;
}

export type RestoreStatus =
  | { readonly state: 'pending'; readonly detail?: string }
  | {
      readonly state: 'available';
      readonly target: EvidenceTarget;
      /**
       * The provider's own checks of the restored instance (category `restore`): AWS — encrypted with the
       * expected key, not public, in the drill network (invariant 9); local — WAL replayed without a gap.
       * A failed one fails the drill like a failed data check.
       */
      readonly checks?: readonly EvidenceCheck[];
    }
  | { readonly state: 'failed'; readonly reason: string };

export type DeletionStatus =
  | { readonly state: 'deleting'; readonly detail?: string }
  | { readonly state: 'deleted' }
  | { readonly state: 'failed'; readonly reason: string };

/** How the validator reaches the restored database. `url` may hold a password: never log or record it. */
export interface DatabaseConnection {
  /** A URL (local mode) or a client config that verifies the server (AWS: `rdsConnectionConfig`). */
  readonly url: DatabaseTarget;
  /** `host:port/database`, safe to print and to put in evidence. */
  readonly display: string;
}

/**
 * Everything a restore drill needs from the platform. One method = one Step Functions task in AWS
 * (each call is short: starting, describing or deleting, never waiting), so the same step logic runs
 * in the state machine and in `rxdr drill --local`.
 *
 * | method            | AWS implementation                                                                  | local implementation                                   |
 * |-------------------|-------------------------------------------------------------------------------------|--------------------------------------------------------|
 * | `findSource`      | `backup:ListRecoveryPointsByBackupVault` / `rds:DescribeDBInstanceAutomatedBackups` | newest base backup in the backup directory              |
 * | `startRestore`    | `backup:StartRestoreJob` or `rds:RestoreDBInstanceToPointInTime` (drill tag, drill network) | copy base backup, `recovery.signal` + `restore_command`, start |
 * | `describeRestore` | `rds:DescribeDBInstances` (+ `backup:DescribeRestoreJob`)                            | postmaster alive? recovery finished? accepts connections? |
 * | `connection`      | endpoint + replicated Secrets Manager secret                                         | `postgres://postgres@127.0.0.1:<port>/<db>`             |
 * | `deleteRestored`  | `rds:DeleteDBInstance` (SkipFinalSnapshot, only with the drill tag)                  | stop the server, remove the directory                  |
 * | `describeDeletion`| `rds:DescribeDBInstances` → DBInstanceNotFound                                       | process gone and directory gone                        |
 *
 * Contract: `startRestore` is idempotent per `drillId` (a retried task must not create a second
 * instance); `deleteRestored` is idempotent and succeeds when the instance is already gone.
 */
export interface RestoreProvider {
  /** `aws` or `local`; recorded in evidence. */
  readonly name: string;
  findSource(database: string, selector: SourceSelector): Promise<RecoverySource>;
  startRestore(source: RecoverySource, drillId: string): Promise<RestoreHandle>;
  describeRestore(handle: RestoreHandle): Promise<RestoreStatus>;
  connection(handle: RestoreHandle): Promise<DatabaseConnection>;
  deleteRestored(handle: RestoreHandle): Promise<void>;
  describeDeletion(handle: RestoreHandle): Promise<DeletionStatus>;
}
