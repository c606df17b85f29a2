import { Construct } from 'constructs';
import { EnvironmentConfig, ProtectedDatabase } from '../config/environment-config';
import { DatabaseBackupSelection } from '../constructs/backup-selection';
import type { MonitoredDatabase } from '../constructs/monitoring/freshness-alarms';
import { names } from '../naming';

/** An environment's protected databases as its backup monitoring sees them. */
export function monitoredDatabases(scope: Construct, config: EnvironmentConfig): MonitoredDatabase[] {
  return config.databases.map((db) => ({
    name: db.name,
    resourceArn: protectedDatabaseArn(scope, config, db),
    tier: db.tier,
    rpoMinutes: db.tierPreset.rpoMinutes,
    snapshotFrequency: db.tierPreset.snapshotFrequency,
    continuousBackup: db.tierPreset.continuousBackup,
  }));
}

/**
 * The RDS instance or Aurora cluster a protected database is backed up from, in the primary region
 * (`names.primarySource`). Copies in the recovery vault keep this source ARN, so the same ARN finds them there.
 */
export function protectedDatabaseArn(scope: Construct, config: EnvironmentConfig, db: ProtectedDatabase): string {
  return DatabaseBackupSelection.sourceArn(scope, config.primaryRegion, names.primarySource(config, db));
}
