/** Tag keys rxdr applies and relies on (IAM conditions and backup selections match on them). */
export const TagKeys = {
  environment: 'rxdr:env',
  app: 'rxdr:app',
  dataClassification: 'rxdr:data-classification',
  /** Backup selection key: the protected resource's tier. */
  tier: 'rxdr:tier',
  /** Set on everything a restore drill creates, to the drill's execution id. */
  drill: 'rxdr:drill',
} as const;

export const APP_TAG_VALUE = 'rxdr';
