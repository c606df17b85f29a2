/**
 * Separation of duties between who starts a failover or failback and who approves it. Both identities are
 * principal ARNs that AWS verified (the runbook gateway reads them from the IAM-authenticated request), and
 * the Operator and Approver roles' trust policies force a role session's name to be the person's user name,
 * so the session name says who the person is whichever of the two roles they used.
 */
import { Errors, StepError } from './catalog';

export interface Principal {
  readonly arn: string;
  readonly account: string;
  /** The role of an assumed-role session; absent for IAM users and the root user. */
  readonly role?: string;
  /** Who acted: the session name of an assumed role, the user name of an IAM user, otherwise the ARN. */
  readonly person: string;
}

const ASSUMED_ROLE = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/(?:[^/]+\/)*([^/]+)\/([^/]+)$/;
const IAM_USER = /^arn:aws[a-z-]*:iam::(\d{12}):user\/(?:[^/]+\/)*([^/]+)$/;
const ANY = /^arn:aws[a-z-]*:(?:sts|iam)::(\d{12}):/;

export function parsePrincipal(arn: string): Principal {
  const [, account, role, session] = ASSUMED_ROLE.exec(arn) ?? [];
  if (account && role && session) return { arn, account, role, person: session.toLowerCase() };
  const [, userAccount, user] = IAM_USER.exec(arn) ?? [];
  if (userAccount && user) return { arn, account: userAccount, person: user.toLowerCase() };
  const any = ANY.exec(arn);
  return { arn, account: any?.[1] ?? '', person: arn.toLowerCase() };
}

export function samePerson(a: string, b: string): boolean {
  return a === b || parsePrincipal(a).person === parsePrincipal(b).person;
}

/**
 * The last fence, inside the state machine: the run stops before its first change when the approver is the
 * person who started it, unless the approval came through the break-glass role (whose use raises an alarm).
 */
export function assertSeparateApproval(
  startedBy: string,
  approval: { approvedBy: string; breakGlass?: boolean | undefined } | undefined,
): void {
  if (!approval || approval.breakGlass) return;
  if (samePerson(startedBy, approval.approvedBy))
    throw new StepError(
      Errors.selfApproval,
      `${approval.approvedBy} approved a run that ${startedBy} started: the same person may not start and approve a runbook`,
    );
}
