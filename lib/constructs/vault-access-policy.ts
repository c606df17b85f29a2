import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * What nobody but the break-glass role may do to a vault or its recovery points (HIPAA H7): every AWS Backup
 * API that deletes a recovery point or shortens its life. `DisassociateRecoveryPoint` deletes a continuous
 * recovery point (control returns to RDS, which keeps only its own retention); `DisassociateRecoveryPointFromParent`
 * detaches a nested recovery point from its composite, which then no longer governs its lifecycle.
 * `PutBackupVaultLockConfiguration` is not here: the deployment sets the lock; it is detected instead.
 */
export const PROTECTED_VAULT_ACTIONS = [
  'backup:DeleteRecoveryPoint',
  'backup:DisassociateRecoveryPoint',
  'backup:DisassociateRecoveryPointFromParent',
  'backup:UpdateRecoveryPointLifecycle',
  'backup:PutBackupVaultAccessPolicy',
  'backup:DeleteBackupVaultAccessPolicy',
  'backup:DeleteBackupVaultLockConfiguration',
  'backup:DeleteBackupVault',
] as const;

/**
 * A vault access policy denying manual deletion of recovery points, changes to their lifecycle, and
 * changes to the policy (or the lock) itself to every principal except the named break-glass role.
 * Consequence: a deployment that changes this policy must run as the break-glass role.
 */
export function vaultAccessPolicy(breakGlassRoleArn: string): iam.PolicyDocument {
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({
        sid: 'DenyDeletionAndPolicyChangesExceptBreakGlass',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [...PROTECTED_VAULT_ACTIONS],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': breakGlassRoleArn } },
      }),
    ],
  });
}
