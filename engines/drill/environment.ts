/**
 * The environment variables the drill construct (`RestoreDrill`) sets on its functions and the drill Lambdas read:
 * each name written once, for both sides.
 */
export const DRILL_ENV = {
  vaultName: 'RXDR_VAULT_NAME',
  restoreRoleArn: 'RXDR_RESTORE_ROLE_ARN',
  subnetGroupName: 'RXDR_DRILL_SUBNET_GROUP',
  securityGroupIds: 'RXDR_DRILL_SECURITY_GROUP_IDS',
  kmsKeyArn: 'RXDR_RECOVERY_KEY_ARN',
  instanceClass: 'RXDR_DRILL_INSTANCE_CLASS',
  isolatedVaultName: 'RXDR_ISOLATED_VAULT_NAME',
  vaultLostParameterName: 'RXDR_VAULT_LOST_PARAMETER',
  evidenceBucket: 'RXDR_EVIDENCE_BUCKET',
  topicArn: 'RXDR_ALERTS_TOPIC_ARN',
  stateMachineArn: 'RXDR_DRILL_STATE_MACHINE_ARN',
  maxAgeSeconds: 'RXDR_DRILL_MAX_AGE_SECONDS',
  environment: 'RXDR_ENVIRONMENT',
} as const;
