import { ConformanceFindingKind } from '../common/metrics-contract';
import { postgresSupport } from '../common/engine-support';
import { POSTGRES_PARAMETERS } from '../database/postgres-parameters';
import { InstanceSettings } from './settings';
import { ConformanceTarget } from './target';

/** One way an instance departs from the rules rxdr holds every protected database to. */
export interface Finding {
  readonly kind: ConformanceFindingKind;
  /** What was found and what is expected, with the values read (no data from inside the database). */
  readonly detail: string;
}

/** Status of a replicated automated backup that is being kept up to date. */
const REPLICATING = 'replicating';

/**
 * The findings of one instance: the same rules the instances rxdr creates are built to (storage encrypted
 * with a customer-managed key, automated backups for the tier, deletion protection, no public access,
 * TLS only, pgaudit loaded and configured as `POSTGRES_PARAMETERS`, an engine in standard support, automatic
 * minor upgrades, Multi-AZ as configured, automated backups replicated to the recovery region).
 * `today` is YYYY-MM-DD (UTC).
 */
export function conformanceFindings(target: ConformanceTarget, settings: InstanceSettings, today: string): Finding[] {
  const findings: Finding[] = [];
  const add = (kind: ConformanceFindingKind, detail: string) => findings.push({ kind, detail });

  const encryption = encryptionProblem(settings);
  if (encryption) add('storageEncryption', encryption);
  const minRetention = target.minBackupRetentionDays;
  if (minRetention !== undefined && settings.backupRetentionDays < minRetention)
    add(
      'backupRetention',
      `automated backups kept ${settings.backupRetentionDays} days, tier ${target.tier} asks for at least ${minRetention}`,
    );
  if (!settings.deletionProtection) add('deletionProtection', 'deletion protection is off');
  if (settings.publiclyAccessible) add('publicAccess', 'the instance is publicly accessible');

  const pending =
    settings.parameterGroup && settings.parameterGroup.applyStatus !== 'in-sync'
      ? ` (parameter group ${settings.parameterGroup.name} is ${settings.parameterGroup.applyStatus}: reboot to apply)`
      : '';
  const forceSsl = settings.parameters['rds.force_ssl'];
  if (forceSsl !== '1' || pending) add('forceSsl', `rds.force_ssl is ${show(forceSsl)}, expected 1${pending}`);
  const audit = pgauditProblems(settings.parameters);
  if (audit.length > 0 || pending) add('pgaudit', `${[...audit, ...(pending ? [pending.trim()] : [])].join('; ')}`);

  if (settings.engine.startsWith('postgres') || settings.engine === 'aurora-postgresql') {
    const support = postgresSupport(settings.engineVersion, today);
    if (support.pastEndOfSupport)
      add(
        'engineSupport',
        `PostgreSQL ${settings.engineVersion} (major ${support.major}) reached end of standard support on ${support.endOfStandardSupport ?? 'a date before 2024-02-29'}`,
      );
  }
  if (!settings.autoMinorVersionUpgrade) add('autoMinorVersionUpgrade', 'automatic minor version upgrades are off');
  if (target.multiAz && !settings.multiAz)
    add('multiAz', `single-AZ; tier ${target.tier} in this environment is Multi-AZ`);

  if (target.iamAuthentication && settings.iamDatabaseAuthentication !== true)
    add('iamAuthentication', 'IAM database authentication is off; rxdr protects clusters with it on');

  const region = target.backupReplicationRegion;
  if (region !== undefined) {
    const replicating = (settings.replicatedBackups ?? []).filter((b) => b.region === region);
    if (!replicating.some((b) => b.status === REPLICATING))
      add(
        'backupReplication',
        replicating.length === 0
          ? `no automated backups replicated to ${region}`
          : `automated backups in ${region} are ${replicating.map((b) => b.status).join(', ')}, not ${REPLICATING}`,
      );
  }
  return findings;
}

function encryptionProblem(settings: InstanceSettings): string | undefined {
  if (!settings.storageEncrypted) return 'storage is not encrypted';
  if (settings.keyManager !== 'CUSTOMER')
    return `storage key ${show(settings.kmsKeyArn)} is ${settings.keyManager === 'AWS' ? 'AWS-managed' : 'of unknown manager'}, expected a customer-managed key`;
  if (settings.expectedKeyArn !== undefined && settings.expectedKeyArn !== settings.kmsKeyArn)
    return `storage key ${show(settings.kmsKeyArn)}, expected ${settings.expectedKeyArn}`;
  return undefined;
}

/** How the pgaudit parameters differ from `POSTGRES_PARAMETERS`: loaded, the same classes logged, same role. */
function pgauditProblems(parameters: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const listed = (value: string | undefined) => (value ?? '').split(',').map((v) => v.trim().toLowerCase());
  if (!listed(parameters.shared_preload_libraries).includes('pgaudit'))
    problems.push(`shared_preload_libraries is ${show(parameters.shared_preload_libraries)}, pgaudit is not loaded`);
  const logged = listed(parameters['pgaudit.log']);
  const missing = listed(POSTGRES_PARAMETERS['pgaudit.log']).filter(
    (c) => !logged.includes(c) && !logged.includes('all'),
  );
  if (missing.length > 0)
    problems.push(`pgaudit.log is ${show(parameters['pgaudit.log'])}, missing ${missing.join(', ')}`);
  for (const name of ['pgaudit.role', 'pgaudit.log_parameter'] as const) {
    if (parameters[name] !== POSTGRES_PARAMETERS[name])
      problems.push(`${name} is ${show(parameters[name])}, expected ${POSTGRES_PARAMETERS[name]}`);
  }
  return problems;
}

const show = (value: string | undefined): string => (value === undefined || value === '' ? '(unset)' : `"${value}"`);
