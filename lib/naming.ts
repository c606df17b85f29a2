import { EnvironmentConfig } from './config/environment-config';

/** A protected database as far as its primary instance's name goes: created by rxdr, or adopted. */
export type DatabaseIdentity = { readonly name: string } & (
  | { readonly mode: 'create'; readonly engine?: 'postgres' }
  | {
      readonly mode: 'adopt';
      readonly engine?: 'postgres';
      /** The existing RDS instance's identifier. */
      readonly instanceIdentifier: string;
    }
);

/** A protected Aurora cluster as far as its names go: created by rxdr, or adopted. */
export type ClusterIdentity = { readonly name: string; readonly engine: 'aurora-postgresql' } & (
  | { readonly mode: 'create' }
  | {
      readonly mode: 'adopt';
      readonly clusterIdentifier: string;
      readonly globalDatabase?: {
        readonly globalClusterIdentifier: string;
        readonly secondaryClusterIdentifier: string;
      };
    }
);

/** The RDS resource a protected database is backed up, watched and drilled from: an instance or a cluster. */
export interface SourceResource {
  /** The ARN's resource type: `db` for an instance, `cluster` for an Aurora cluster. */
  readonly resource: 'db' | 'cluster';
  readonly identifier: string;
}

/**
 * Physical names that must be known across regions or accounts before deployment (the primary region's
 * copy rules point at the recovery vault by ARN). Everything else is left for CloudFormation to name.
 */
export const names = {
  primaryStack: (env: EnvironmentConfig) => `Rxdr-${title(env)}-Primary`,
  recoveryStack: (env: EnvironmentConfig) => `Rxdr-${title(env)}-Recovery`,
  primaryVault: (env: EnvironmentConfig) => `rxdr-${env.name}-primary`,
  recoveryVault: (env: EnvironmentConfig) => `rxdr-${env.name}-recovery`,
  keyAlias: (env: EnvironmentConfig, role: 'primary' | 'recovery') => `alias/rxdr-${env.name}-${role}`,
  /** The audit trail's own key (recovery region), apart from the data keys. */
  auditKeyAlias: (env: EnvironmentConfig) => `alias/rxdr-${env.name}-audit`,
  /**
   * State machines and the drill schedule's role, in the recovery region: the operator roles, the security
   * alarms ("drill started outside the schedule", "failover started") and the runbooks refer to them by name.
   */
  drillStateMachine: (env: EnvironmentConfig) => `rxdr-${env.name}-drill`,
  failoverStateMachine: (env: EnvironmentConfig) => `rxdr-${env.name}-failover`,
  failbackStateMachine: (env: EnvironmentConfig) => `rxdr-${env.name}-failback`,
  drillSchedulerRole: (env: EnvironmentConfig) => `rxdr-${env.name}-drill-scheduler`,
  /**
   * The failover validator (standby stack, in the recovery database network): the failover runbook (recovery
   * stack, deployed before it) invokes it by this name's ARN.
   */
  failoverValidatorFunction: (env: Pick<EnvironmentConfig, 'name'>) => `rxdr-${env.name}-failover-validator`,
  /** The failover validator's chunk function (standby stack): the failover's ValidateChunks Map invokes it. */
  failoverChunkValidatorFunction: (env: Pick<EnvironmentConfig, 'name'>) => `rxdr-${env.name}-failover-validate-chunk`,
  /** Logically air-gapped vault in the recovery region (isolatedBackup mode "air-gapped"). */
  airGappedVault: (env: EnvironmentConfig) => `rxdr-${env.name}-air-gapped`,
  /** The only role the vault access policies let delete recovery points or change the policies. */
  breakGlassRole: (env: EnvironmentConfig) => env.breakGlassRoleName ?? `rxdr-${env.name}-break-glass`,
  /** Evidence bucket in the recovery region: the audit report plan delivers to it by name. */
  evidenceBucket: (env: EnvironmentConfig) => `rxdr-${env.name}-evidence-${env.account}-${env.recoveryRegion}`,
  /** AWS Backup Audit Manager framework and report plan (letters, digits and underscores only). */
  auditFramework: (env: EnvironmentConfig) => `rxdr_${env.name}_backup_controls`,
  reportPlan: (env: EnvironmentConfig) => `rxdr_${env.name}_backup_compliance`,
  /** SSM Automation documents wrapping the failover/failback state machines (console users). */
  failoverDocument: (env: Pick<EnvironmentConfig, 'name'>) => `rxdr-${env.name}-Failover`,
  failbackDocument: (env: Pick<EnvironmentConfig, 'name'>) => `rxdr-${env.name}-Failback`,
  /** SSM Automation document an Approver runs to approve a waiting failover or failback. */
  approveDocument: (env: Pick<EnvironmentConfig, 'name'>) => `rxdr-${env.name}-ApproveRunbook`,
  /** SSM parameter (recovery region) describing the runbooks' resources for the CLI: instance ids, evidence bucket. */
  runbookCatalogParameter: (env: Pick<EnvironmentConfig, 'name'>) => `/rxdr/${env.name}/runbooks`,
  /**
   * The runbook gateway (recovery region): the IAM-authenticated function URL through which people start, approve
   * and abort failovers and failbacks. The operator roles and the CLI find it by this name.
   */
  runbookGatewayFunction: (env: Pick<EnvironmentConfig, 'name'>) => `rxdr-${env.name}-runbook-gateway`,
  /** Approval task tokens wait under this path, one SecureString per execution. */
  approvalParameterPrefix: (env: Pick<EnvironmentConfig, 'name'>) => `/rxdr/${env.name}/approvals`,
  /** Write-freeze flags applications honour during a failback switchover, one per database. */
  writeFreezeParameterPrefix: (env: Pick<EnvironmentConfig, 'name'>) => `/rxdr/${env.name}/write-freeze`,
  /** The stack in the recovery region that holds the read replicas (deployed after the primary). */
  standbyStack: (env: EnvironmentConfig) => `Rxdr-${title(env)}-Standby`,
  /** RDS subnet group (recovery region, standby stack) that point-in-time and backup restores of a failover land in. */
  recoveredSubnetGroup: (env: Pick<EnvironmentConfig, 'name'>) => `rxdr-${env.name}-recovered`,
  /** SSM parameter (recovery region) where the standby stack publishes that subnet group and the restored instances' security group. */
  recoveryNetworkParameter: (env: Pick<EnvironmentConfig, 'name'>) => `/rxdr/${env.name}/recovery-network`,
  /** RDS identifier of a reference (create-mode) instance; the standby stack builds its ARN from it. */
  databaseInstance: (env: Pick<EnvironmentConfig, 'name'>, db: { readonly name: string }) =>
    rdsIdentifier(`rxdr-${env.name}-${db.name}`),
  /**
   * RDS identifier of a protected database's instance in the primary region: `databaseInstance` for one rxdr
   * creates, the configured `instanceIdentifier` for an adopted one. Plans, drills, monitoring and runbooks all
   * address the source instance by this.
   */
  primaryInstance: (env: Pick<EnvironmentConfig, 'name'>, db: DatabaseIdentity) =>
    db.mode === 'adopt' ? db.instanceIdentifier : names.databaseInstance(env, db),
  /**
   * The replicated credentials secret in the recovery region (drills and runbooks read it there). Created
   * databases: `databaseSecret`, replicated under the same name (`ReferenceDatabase`). Adopted ones:
   * `credentialsSecretArn` with its region swapped for the recovery region (a replica secret keeps the name and
   * suffix of its primary); without one, the same conventional name, which the adopter replicates there.
   */
  recoverySecret: (
    env: Pick<EnvironmentConfig, 'name' | 'recoveryRegion'>,
    db: { readonly name: string; readonly mode: 'create' | 'adopt'; readonly credentialsSecretArn?: string },
  ) => {
    if (db.mode === 'adopt' && db.credentialsSecretArn) {
      const parts = db.credentialsSecretArn.split(':');
      parts[3] = env.recoveryRegion;
      return parts.join(':');
    }
    return names.databaseSecret(env, db);
  },
  /** RDS identifier of a reference (create-mode) Aurora cluster; its instances add "-writer", "-reader-<n>". */
  databaseCluster: (env: Pick<EnvironmentConfig, 'name'>, db: { readonly name: string }) =>
    rdsIdentifier(`rxdr-${env.name}-${db.name}`),
  /** The primary-region cluster of a protected Aurora database: `databaseCluster`, or the adopted `clusterIdentifier`. */
  primaryCluster: (env: Pick<EnvironmentConfig, 'name'>, db: ClusterIdentity) =>
    db.mode === 'adopt' ? db.clusterIdentifier : names.databaseCluster(env, db),
  /** Aurora Global Database of a created tier-1 cluster (global cluster identifiers have no region). */
  globalCluster: (env: Pick<EnvironmentConfig, 'name'>, db: ClusterIdentity) =>
    db.mode === 'adopt' && db.globalDatabase
      ? db.globalDatabase.globalClusterIdentifier
      : rdsIdentifier(`rxdr-${env.name}-${db.name}-global`),
  /** The global database's secondary cluster in the recovery region. */
  secondaryCluster: (env: Pick<EnvironmentConfig, 'name'>, db: ClusterIdentity) =>
    db.mode === 'adopt' && db.globalDatabase
      ? db.globalDatabase.secondaryClusterIdentifier
      : rdsIdentifier(`rxdr-${env.name}-${db.name}-dr`),
  /** The instance or cluster in the primary region that plans select and freshness and drills read. */
  primarySource: (env: Pick<EnvironmentConfig, 'name'>, db: DatabaseIdentity | ClusterIdentity): SourceResource =>
    db.engine === 'aurora-postgresql'
      ? { resource: 'cluster', identifier: names.primaryCluster(env, db) }
      : { resource: 'db', identifier: names.primaryInstance(env, db) },
  /** RDS identifier of a database's cross-region read replica in the recovery region. */
  replicaInstance: (env: Pick<EnvironmentConfig, 'name'>, db: { readonly name: string }) =>
    rdsIdentifier(`rxdr-${env.name}-${db.name}-dr`),
  /** Secrets Manager name of a reference instance's credentials; its replica in the recovery region has the same name. */
  databaseSecret: (env: Pick<EnvironmentConfig, 'name'>, db: { readonly name: string }) =>
    `rxdr/${env.name}/${db.name}/credentials`,
  /** SSM Automation documents FIS runs in game days (recovery region). */
  gameDayDocument: (env: Pick<EnvironmentConfig, 'name'>, purpose: 'DeletionAttempt' | 'DeclareVaultLost') =>
    `rxdr-${env.name}-GameDay-${purpose}`,
  /** Present while a game day declares the recovery vault lost: runbooks restore from the isolated copy. */
  gameDayVaultLostParameter: (env: Pick<EnvironmentConfig, 'name'>) => `/rxdr/${env.name}/gameday/vault-declared-lost`,
};

/** RDS DB instance identifiers: 1-63 characters. */
function rdsIdentifier(identifier: string): string {
  if (identifier.length > 63) {
    throw new Error(
      `RDS identifier "${identifier}" is ${identifier.length} characters; RDS allows 63: shorten the environment or database name`,
    );
  }
  return identifier;
}

function title(env: EnvironmentConfig): string {
  return env.name.charAt(0).toUpperCase() + env.name.slice(1);
}
