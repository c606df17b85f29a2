/**
 * The security events the audit trail alarms on, as data: `SecurityAlarms` turns each into a CloudTrail
 * metric filter and alarm (or an EventBridge rule when an organization trail records the account), and
 * `rxdr plan` lists them. Plain TypeScript, no CDK, so the plan generator can read it.
 *
 * Every detection counts attempts too: a denied `DeleteRecoveryPoint` (errorCode AccessDenied) is exactly
 * what the vault access policy exists to stop, and worth a page.
 */

/** One API call pattern: an event source and the event names that count. */
export interface ApiCallMatch {
  readonly eventSource: string;
  readonly eventNames: readonly string[];
}

/** Which deployment-specific value a detection compares against (resolved to an ARN per environment). */
export type DetectionTarget = 'breakGlassRole' | 'drillStateMachine' | 'failoverStateMachines';

export interface SecurityDetection {
  /** Construct id and metric name, e.g. `RecoveryPointDeletion`. */
  readonly id: string;
  readonly title: string;
  /** Why it matters / what to do, for the alarm description and the plan. */
  readonly response: string;
  readonly calls: readonly ApiCallMatch[];
  /**
   * A further condition on one deployment-specific resource:
   * - `breakGlassRole`: `requestParameters.roleArn` is the break-glass role;
   * - `drillStateMachine`: `requestParameters.stateMachineArn` is the drill state machine and the caller is
   *   not the drill schedule's role;
   * - `failoverStateMachines`: `requestParameters.stateMachineArn` is the failover or failback state machine.
   */
  readonly target?: DetectionTarget;
}

export const SECURITY_DETECTIONS: readonly SecurityDetection[] = [
  {
    id: 'RecoveryPointDeletion',
    title: 'Recovery point deletion attempted',
    response:
      'Someone tried to delete a recovery point (a continuous one by disassociating it), shorten its ' +
      'lifecycle or delete a vault (HIPAA H7). Find the caller in the trail; if it was not a planned ' +
      'break-glass action, treat it as an incident (ransomware often starts with the backups).',
    calls: [
      {
        eventSource: 'backup.amazonaws.com',
        eventNames: [
          'DeleteRecoveryPoint',
          'DisassociateRecoveryPoint',
          'DisassociateRecoveryPointFromParent',
          'UpdateRecoveryPointLifecycle',
          'DeleteBackupVault',
        ],
      },
      {
        eventSource: 'rds.amazonaws.com',
        eventNames: ['DeleteDBSnapshot', 'DeleteDBClusterSnapshot', 'DeleteDBInstanceAutomatedBackup'],
      },
    ],
  },
  {
    id: 'VaultPolicyOrLockChange',
    title: 'Vault access policy or Vault Lock changed',
    response:
      'The vault access policy or Vault Lock was changed or removed. Only the break-glass role may do ' +
      'this; confirm a change request exists, otherwise restore the policy from the stack and rotate the ' +
      'break-glass credentials.',
    calls: [
      {
        eventSource: 'backup.amazonaws.com',
        eventNames: [
          'PutBackupVaultAccessPolicy',
          'DeleteBackupVaultAccessPolicy',
          'PutBackupVaultLockConfiguration',
          'DeleteBackupVaultLockConfiguration',
        ],
      },
    ],
  },
  {
    id: 'KeyDisabledOrDeletionScheduled',
    title: 'KMS key disabled or scheduled for deletion',
    response:
      'A KMS key was disabled or scheduled for deletion: recovery points and evidence encrypted with it ' +
      'become unreadable. Cancel the deletion (kms:CancelKeyDeletion) or re-enable the key within the ' +
      'waiting period, then investigate.',
    calls: [{ eventSource: 'kms.amazonaws.com', eventNames: ['DisableKey', 'ScheduleKeyDeletion'] }],
  },
  {
    id: 'KeyPolicyChanged',
    title: 'KMS key policy changed',
    response:
      'A KMS key policy was replaced (kms:PutKeyPolicy). A key policy decides who can decrypt recovery ' +
      'points and evidence, or lock everyone out. Compare it with the stack (drift detection); if no ' +
      'deployment or change request explains it, restore it from the stack and investigate the caller.',
    calls: [{ eventSource: 'kms.amazonaws.com', eventNames: ['PutKeyPolicy'] }],
  },
  {
    id: 'BreakGlassAssumed',
    title: 'Break-glass role assumed',
    response:
      'Someone assumed the break-glass role (MFA was required). Confirm with the escalation chain that an emergency was declared; record the reason in the incident log.',
    calls: [{ eventSource: 'sts.amazonaws.com', eventNames: ['AssumeRole'] }],
    target: 'breakGlassRole',
  },
  {
    id: 'DrillStartedOutsideSchedule',
    title: 'Restore drill started outside the schedule',
    response:
      'A restore drill was started by someone other than the drill schedule. Drills create database instances from backups: confirm the operator meant to run one.',
    calls: [{ eventSource: 'states.amazonaws.com', eventNames: ['StartExecution'] }],
    target: 'drillStateMachine',
  },
  {
    id: 'FailoverStarted',
    title: 'Failover or failback started',
    response:
      'A failover or failback was started (never scheduled). Confirm the contingency plan was activated through the escalation chain; the approver must still approve the switch.',
    calls: [{ eventSource: 'states.amazonaws.com', eventNames: ['StartExecution'] }],
    target: 'failoverStateMachines',
  },
];

/**
 * The detections that can fire outside the recovery region: everything except the drill and failover
 * state machines, which exist only in the recovery region, so their `StartExecution` calls are recorded
 * there and nowhere else. An EventBridge rule for them in another region could never match.
 */
export const ANY_REGION_DETECTIONS: readonly SecurityDetection[] = SECURITY_DETECTIONS.filter(
  (detection) => detection.target !== 'drillStateMachine' && detection.target !== 'failoverStateMachines',
);
