/**
 * The four people-facing roles of an environment, as data: `OperatorRoles` creates them, `rxdr plan`
 * describes them. Plain TypeScript, no CDK.
 */
export const ROLE_KINDS = ['Operator', 'Approver', 'Auditor', 'BreakGlass'] as const;
export type RoleKind = (typeof ROLE_KINDS)[number];

export interface RoleDefinition {
  readonly kind: RoleKind;
  /** What the role is for, one sentence (the IAM role description). */
  readonly purpose: string;
  /** What it may do, for the plan. */
  readonly may: readonly string[];
  /** What it may not do, for the plan. */
  readonly mayNot: readonly string[];
  /** Maximum session length, hours. */
  readonly maxSessionHours: number;
}

export const ROLE_DEFINITIONS: Readonly<Record<RoleKind, RoleDefinition>> = {
  Operator: {
    kind: 'Operator',
    purpose: 'Runs drills and failovers: reads status, starts drills, starts and follows failovers and failbacks',
    may: [
      'read backup, vault, database and alarm status',
      'start restore drills',
      'start and follow failovers and failbacks',
    ],
    mayNot: [
      'approve or abort a paused failover or failback (explicitly denied)',
      'delete recovery points or change vault policies',
      'read database contents or secrets',
    ],
    maxSessionHours: 4,
  },
  Approver: {
    kind: 'Approver',
    purpose: 'Approves or aborts a paused failover or failback',
    may: [
      'follow failover and failback runs',
      'approve or abort a paused failover or failback (states:SendTaskSuccess / SendTaskFailure on those state machines only)',
    ],
    mayNot: [
      'start drills, failovers or failbacks',
      'delete recovery points or change vault policies',
      'read database contents or secrets',
    ],
    maxSessionHours: 4,
  },
  Auditor: {
    kind: 'Auditor',
    purpose: 'Reads evidence, reports, audit logs and backup metadata; no access to patient data',
    may: [
      'read drill and failover evidence and plan versions in the evidence bucket',
      'read backup plans, vaults, recovery-point metadata and job history',
      'read the audit trail and alarm history',
    ],
    mayNot: [
      'connect to databases (rds-db:connect denied)',
      'read secrets (secretsmanager:GetSecretValue denied)',
      'restore, copy or share backups and snapshots',
      'read database logs',
    ],
    maxSessionHours: 8,
  },
  BreakGlass: {
    kind: 'BreakGlass',
    purpose:
      'Emergency access: the only principal the vault access policies let delete recovery points or change vault policies; MFA required, assuming it raises an alarm',
    may: [
      'everything the Operator and Approver may do',
      'delete recovery points, change their lifecycle and change vault access policies and locks (the vault policy exempts only this role)',
    ],
    mayNot: ['be assumed without MFA', 'be assumed without raising the "Break-glass role assumed" alarm'],
    maxSessionHours: 1,
  },
};
