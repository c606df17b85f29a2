import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * Who may assume the Operator or Approver role: a person of this account (an IAM user, or a session that carries
 * the source identity its identity provider set), with MFA where required, who sets their user name as the
 * source identity and the session name. The runbook gateway reads the person from the session name, so a person
 * is the same person through either role; the source identity follows every chained session into CloudTrail.
 */
export function personTrust(requireMfa: boolean): Record<string, unknown> {
  return {
    ...(requireMfa ? { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } : {}),
    StringEquals: { 'sts:SourceIdentity': '${aws:username}', 'sts:RoleSessionName': '${aws:username}' },
  };
}

/** The trust statement that lets a caller set the source identity, on the same conditions as AssumeRole. */
export function allowSourceIdentity(role: iam.Role, conditions: Record<string, unknown>): void {
  role.assumeRolePolicy?.addStatements(
    new iam.PolicyStatement({
      actions: ['sts:SetSourceIdentity'],
      principals: [new iam.AccountRootPrincipal()],
      conditions,
    }),
  );
}

/** CI roles assume the Operator role without MFA, and still set a source identity. */
export function trustAutomation(role: iam.Role, automationPrincipals: readonly string[]): void {
  for (const arn of automationPrincipals) {
    role.assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({
        actions: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
        principals: [new iam.ArnPrincipal(arn)],
        conditions: { Null: { 'sts:SourceIdentity': 'false' } },
      }),
    );
  }
}
