/**
 * What the conformance check reads about one RDS instance, from DescribeDBInstances, DescribeDBParameters
 * (its parameter group), DescribeDBInstanceAutomatedBackups (the replication region) and KMS DescribeKey (its
 * storage key). Plain data: the rules (`rules.ts`) judge it without calling AWS.
 */
export interface InstanceSettings {
  readonly engine: string;
  readonly engineVersion: string;
  readonly storageEncrypted: boolean;
  /** The storage key's ARN, when encrypted. */
  readonly kmsKeyArn?: string;
  /** `CUSTOMER` or `AWS` (the `aws/rds` key), when the key could be described. */
  readonly keyManager?: string;
  /** ARN the target's expected key (alias) resolves to, when the target names one. */
  readonly expectedKeyArn?: string;
  readonly backupRetentionDays: number;
  readonly deletionProtection: boolean;
  readonly publiclyAccessible: boolean;
  readonly autoMinorVersionUpgrade: boolean;
  readonly multiAz: boolean;
  /** The instance's DB parameter group and whether its values are applied (`in-sync`) or wait for a reboot. */
  readonly parameterGroup?: { readonly name: string; readonly applyStatus: string };
  /** Values of the parameters the rules read (rds.force_ssl, shared_preload_libraries, pgaudit.*). */
  readonly parameters: Readonly<Record<string, string>>;
  /** Whether IAM database authentication is on (read for clusters). */
  readonly iamDatabaseAuthentication?: boolean;
  /** Replicated automated backups of the instance in the replication region, when the target asks for them. */
  readonly replicatedBackups?: readonly { readonly region: string; readonly status: string }[];
}

/** The parameters the rules read; DescribeDBParameters pages are filtered to these. */
export const READ_PARAMETERS = [
  'rds.force_ssl',
  'shared_preload_libraries',
  'pgaudit.log',
  'pgaudit.role',
  'pgaudit.log_parameter',
] as const;
