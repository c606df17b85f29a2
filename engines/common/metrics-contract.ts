/**
 * The metrics rxdr publishes and its alarms read: namespace, metric names and the exact dimension set of
 * each. Imported by the Lambda code that publishes (Powertools EMF or PutMetricData) and by the CDK
 * constructs that define the alarms, so the two cannot drift apart. Plain values only: no aws-cdk-lib here,
 * it would end up in the Lambda bundles.
 */

/** Powertools adds a `service` dimension (its service name) to every metric it emits. */
export const POWERTOOLS_SERVICE_DIMENSION = 'service';

/** Drill metrics: the recorder (per database) and the orphan sweeper (per environment), Powertools EMF. */
export const DRILL_METRICS = {
  namespace: 'Rxdr/Drill',
  service: 'rxdr-drill',
  /** Per environment, from the sweeper: hours since the drill state machine last started (epoch if never). */
  hoursSinceLastDrill: 'HoursSinceLastDrill',
  orphansDeleted: 'OrphansDeleted',
  orphanDeletionsFailed: 'OrphanDeletionsFailed',
  /** Per database, from the recorder. */
  achievedRtoSeconds: 'AchievedRtoSeconds',
  achievedRpoSeconds: 'AchievedRpoSeconds',
  drillPassed: 'DrillPassed',
  drillFailed: 'DrillFailed',
} as const;

/** Dimensions of the sweeper's per-environment drill metrics (besides Powertools' `service`). */
export function drillEnvironmentDimensions(environment: string): Record<string, string> {
  return { Environment: environment };
}

/** Dimensions of the recorder's per-database drill metrics (besides Powertools' `service`). */
export function drillDatabaseDimensions(environment: string, database: string): Record<string, string> {
  return { Environment: environment, Database: database };
}

/** Every dimension a drill metric carries in CloudWatch, `service` included: what an alarm must name. */
export function drillAlarmDimensions(dimensions: Record<string, string>): Record<string, string> {
  return { [POWERTOOLS_SERVICE_DIMENSION]: DRILL_METRICS.service, ...dimensions };
}

/** Backup freshness metrics, published by the freshness function with PutMetricData. */
export const FRESHNESS_METRICS = {
  namespace: 'Rxdr/Backup',
  service: 'rxdr-freshness',
  /** Age in seconds of the newest completed snapshot recovery point of a database in a vault. */
  recoveryPointAge: 'RecoveryPointAge',
  /** Seconds since the latest time a database can be restored to (RDS `LatestRestorableTime`). */
  secondsSinceLatestRestorableTime: 'SecondsSinceLatestRestorableTime',
  /** The function's own health (Powertools EMF, dimension `service` only). */
  missingRecoveryPoints: 'MissingRecoveryPoints',
  checkFailures: 'FreshnessCheckFailures',
} as const;

export function recoveryPointAgeDimensions(
  environment: string,
  database: string,
  vault: string,
): Record<string, string> {
  return { Environment: environment, Database: database, Vault: vault };
}

export function restorableTimeDimensions(environment: string, database: string): Record<string, string> {
  return { Environment: environment, Database: database };
}

/** `{ a: 'x' }` as CloudWatch's `[{ Name: 'a', Value: 'x' }]`. */
export function toCloudWatchDimensions(dimensions: Record<string, string>): { Name: string; Value: string }[] {
  return Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value }));
}

/**
 * Conformance of the protected databases (created and adopted, primaries and read replicas), published by
 * the conformance function with PutMetricData: per finding kind, how many databases of the environment in
 * the function's region have that finding (0 included, so the alarms always have data), and how many
 * databases it could read.
 */
export const CONFORMANCE_METRICS = {
  namespace: 'Rxdr/Conformance',
  service: 'rxdr-conformance',
  /** Databases whose settings the run read; fewer than configured means a database could not be read. */
  databasesChecked: 'DatabasesChecked',
  findings: {
    storageEncryption: 'StorageEncryptionFindings',
    backupRetention: 'BackupRetentionFindings',
    deletionProtection: 'DeletionProtectionFindings',
    publicAccess: 'PublicAccessFindings',
    forceSsl: 'ForceSslFindings',
    pgaudit: 'PgauditFindings',
    engineSupport: 'EngineSupportFindings',
    autoMinorVersionUpgrade: 'AutoMinorVersionUpgradeFindings',
    multiAz: 'MultiAzFindings',
    backupReplication: 'BackupReplicationFindings',
    iamAuthentication: 'IamAuthenticationFindings',
  },
} as const;

/** A kind of conformance finding: one metric and one alarm each. */
export type ConformanceFindingKind = keyof typeof CONFORMANCE_METRICS.findings;

/** Dimensions of every conformance metric: the environment (each region publishes its own databases). */
export function conformanceDimensions(environment: string): Record<string, string> {
  return { Environment: environment };
}
