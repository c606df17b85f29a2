/**
 * rxdr as a construct library: the constructs, each with props of its own, the compliance packs, and the
 * configuration types and helpers the `rxdr` app builds its stacks from. See docs/library.md.
 */

// Keys, alerts and evidence
export { EncryptionKey } from './constructs/encryption-key';
export type { EncryptionKeyProps } from './constructs/encryption-key';
export { AlertsTopic } from './constructs/alerts-topic';
export type { AlertsTopicProps } from './constructs/alerts-topic';
export { EvidenceBucket, MIN_EVIDENCE_DAYS } from './constructs/evidence-bucket';
export type { EvidenceBucketProps } from './constructs/evidence-bucket';

// Vaults, plans and selections
export { RxdrBackupVault, VAULT_NOTIFICATION_EVENTS } from './constructs/backup-vault';
export type { RxdrBackupVaultProps } from './constructs/backup-vault';
export { MIN_COOLING_OFF_DAYS } from './constructs/vault-lock';
export type { VaultLockMode, VaultLockSettings } from './constructs/vault-lock';
export { AirGappedVault } from './constructs/air-gapped-vault';
export type { AirGappedVaultProps } from './constructs/air-gapped-vault';
export { TierBackupPlans } from './constructs/backup-plans';
export type { TierBackupPlansProps } from './constructs/backup-plans';
export { TierRule, tierBackupSpecs, tierRules } from './constructs/tier-rules';
export type { RecoveryPointClass, TierBackupSpec, TierRuleSpec } from './constructs/tier-rules';
export { DatabaseBackupSelection } from './constructs/backup-selection';
export type { DatabaseBackupSelectionProps, SelectedDatabase } from './constructs/backup-selection';

// Monitoring and audit
export { BackupMonitoring } from './constructs/monitoring/backup-monitoring';
export type { BackupMonitoringProps } from './constructs/monitoring/backup-monitoring';
export { FreshnessAlarms } from './constructs/monitoring/freshness-alarms';
export type { FreshnessAlarmsProps, MonitoredDatabase, VaultRole } from './constructs/monitoring/freshness-alarms';
export { AUDIT_CONTROLS, auditControls, BackupAudit } from './constructs/backup-audit';
export type { AuditControl, AuditTargets, BackupAuditProps } from './constructs/backup-audit';

// Game days
export { PrimaryGameDays } from './constructs/gameday/primary-game-days';
export type { PrimaryGameDaysProps } from './constructs/gameday/primary-game-days';
export { RecoveryGameDays } from './constructs/gameday/recovery-game-days';
export type { GameDayVault, RecoveryGameDaysProps } from './constructs/gameday/recovery-game-days';
export type { GameDaySettings } from './constructs/gameday/game-day-settings';

// Restore drills
export { RestoreDrill } from './constructs/drill/restore-drill';
export type { DrillDatabaseSpec, DrillFunctions, RestoreDrillProps } from './constructs/drill/restore-drill';
export { drillFleet, drillSchedules, restoreDrillProps } from './constructs/drill/drill-fleet';
export type { DrillResources } from './constructs/drill/drill-fleet';

// Failover runbooks
export { FailoverRunbooks } from './constructs/failover/failover-runbooks';
export type { FailoverRunbooksProps, RunbookDatabase } from './constructs/failover/failover-runbooks';

// The whole app, from configuration
export { buildApp, stageId } from './app';
export type { RxdrAppOptions } from './app';
export { RxdrStage } from './stages/rxdr-stage';
export type { RxdrStageProps } from './stages/rxdr-stage';
export { PrimaryStack } from './stages/primary-stack';
export type { PrimaryStackProps } from './stages/primary-stack';
export { RecoveryStack } from './stages/recovery-stack';
export type { RecoveryStackProps } from './stages/recovery-stack';
export { StandbyStack } from './stages/standby-stack';
export type { StandbyStackProps } from './stages/standby-stack';

// Configuration
export { DEFAULT_TIERS, tierNumber } from './config/tiers';
export type { DrPattern, FailoverStrategy, SnapshotFrequency, TierPreset } from './config/tiers';
export type { EnvironmentConfig, ProtectedDatabase, RxdrConfig } from './config/environment-config';
export { ConfigError, loadConfigFile, parseConfig, selectEnvironments } from './config/load';
export { names } from './naming';
export type { DatabaseIdentity } from './naming';

// Compliance
export { addCompliancePacks, compliancePacks } from './compliance/compliance-packs';
export { RxdrChecks } from './compliance/rxdr-checks';
export type { RxdrChecksProps } from './compliance/rxdr-checks';
