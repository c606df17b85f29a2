import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../../config/environment-config';
import { names } from '../../naming';
import { dbInstanceArn, keyAliasArn } from './arns';
import { DatabaseAuditSetup } from './audit-setup';
import { AutomatedBackupReplication } from './backup-replication';
import { DatabaseNetwork } from './network';
import { ReferenceDatabase } from './reference-instance';
import { ReferenceCluster } from './reference-cluster';
import { GlobalDatabase } from './global-database';
import { isCluster, isInstance } from '../../config/database-kind';

export interface PrimaryDatabasesProps {
  readonly config: EnvironmentConfig;
  /** The primary region's customer-managed key. */
  readonly key: kms.IKey;
}

/**
 * RDS protection in the primary region: the database network, a reference instance per create-mode
 * database, and automated-backup replication to the recovery region (recovery CMK) for every protected
 * database, created and adopted.
 */
export class PrimaryDatabases extends Construct {
  /** The VPC the reference instances live in (isolated subnets only). */
  readonly network: DatabaseNetwork;
  /** Reference instances by database name (create mode only). */
  readonly references: Readonly<Record<string, ReferenceDatabase>>;
  /** Source instance ARN of every protected database by name, created and adopted. */
  readonly instanceArns: Readonly<Record<string, string>>;
  /** RDS instance identifier of every protected database by name. */
  readonly instanceIdentifiers: Readonly<Record<string, string>>;
  /** Automated-backup replication of the instances; none in an environment of clusters only. */
  readonly backupReplication?: AutomatedBackupReplication;
  /** The deploy-time pgaudit setup of each reference instance, by database name. */
  readonly auditSetups: Readonly<Record<string, DatabaseAuditSetup>>;
  /** Reference Aurora clusters by database name (create mode only). */
  readonly clusters: Readonly<Record<string, ReferenceCluster>>;
  /** The global databases of reference clusters whose tier keeps a standby in the recovery region. */
  readonly globalDatabases: Readonly<Record<string, GlobalDatabase>>;

  constructor(scope: Construct, id: string, props: PrimaryDatabasesProps) {
    super(scope, id);
    const { config, key } = props;
    const logRetention = config.databaseProtection.logRetentionDays as logs.RetentionDays;
    const instances = config.databases.filter(isInstance);
    const created = instances.filter((db) => db.mode === 'create');
    const createdClusters = config.databases.filter(isCluster).filter((db) => db.mode === 'create');

    this.network = new DatabaseNetwork(this, 'Network', {
      cidr: config.databaseProtection.primaryVpcCidr,
      key,
      logRetention,
      // Secrets Manager's rotation function runs in the isolated subnets.
      interfaceEndpoints:
        created.length + createdClusters.length > 0
          ? { secretsManager: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER }
          : {},
    });

    const recoveryKeyArn = keyAliasArn(this, config.recoveryRegion, names.keyAlias(config, 'recovery'));
    // What an instance and a cluster take alike: network, keys, credentials, logs and maintenance windows.
    const placement = (db: (typeof created)[number] | (typeof createdClusters)[number]) => ({
      tier: db.tier,
      network: this.network,
      key,
      recoveryRegion: config.recoveryRegion,
      recoveryKeyArn,
      secretName: names.databaseSecret(config, db),
      logRetention,
      preferredMaintenanceWindow: db.preferredMaintenanceWindow,
      preferredBackupWindow: db.preferredBackupWindow,
    });
    const references: Record<string, ReferenceDatabase> = {};
    for (const db of created) {
      references[db.name] = new ReferenceDatabase(this, `Reference-${db.name}`, {
        instanceIdentifier: names.databaseInstance(config, db),
        engineVersion: db.engineVersion,
        instanceClass: db.instanceClass,
        allocatedStorageGb: db.allocatedStorageGb,
        multiAz: db.multiAz ?? config.production,
        ...placement(db),
      });
    }
    this.references = references;
    const auditSetups: Record<string, DatabaseAuditSetup> = {};
    for (const db of created) {
      const reference = references[db.name];
      if (!reference) continue;
      auditSetups[db.name] = new DatabaseAuditSetup(this, `AuditSetup-${db.name}`, {
        database: reference,
        network: this.network,
        databaseName: db.audit.database,
        tables: db.audit.tables,
        key,
        logRetention,
      });
    }
    this.auditSetups = auditSetups;

    const clusters: Record<string, ReferenceCluster> = {};
    const globalDatabases: Record<string, GlobalDatabase> = {};
    for (const db of createdClusters) {
      const cluster = new ReferenceCluster(this, `Cluster-${db.name}`, {
        clusterIdentifier: names.databaseCluster(config, db),
        engineVersion: db.engineVersion,
        instanceClass: db.instanceClass,
        readers: db.readers,
        ...placement(db),
      });
      clusters[db.name] = cluster;
      auditSetups[db.name] = new DatabaseAuditSetup(this, `AuditSetup-${db.name}`, {
        database: cluster,
        network: this.network,
        databaseName: db.audit.database,
        tables: db.audit.tables,
        key,
        logRetention,
      });
      if (db.tierPreset.crossRegionReadReplica)
        globalDatabases[db.name] = new GlobalDatabase(this, `Global-${db.name}`, {
          globalClusterIdentifier: names.globalCluster(config, db),
          primary: cluster,
        });
    }
    this.clusters = clusters;
    this.globalDatabases = globalDatabases;

    // RDS automated-backup replication is for instances; a cluster's copies are AWS Backup's and its global database.
    const identifiers: Record<string, string> = {};
    const arns: Record<string, string> = {};
    for (const db of instances) {
      const reference = references[db.name];
      identifiers[db.name] = reference
        ? reference.instanceIdentifier
        : db.mode === 'adopt'
          ? db.instanceIdentifier
          : names.databaseInstance(config, db);
      arns[db.name] = reference
        ? reference.instanceArn
        : dbInstanceArn(this, config.primaryRegion, identifiers[db.name] ?? '');
    }
    this.instanceIdentifiers = identifiers;
    this.instanceArns = arns;

    if (instances.length === 0) return;
    this.backupReplication = new AutomatedBackupReplication(this, 'BackupReplication', {
      databases: instances.map((db) => ({
        name: db.name,
        instanceArn: arns[db.name] ?? '',
        dependsOn: references[db.name]?.instance,
      })),
      destinationRegion: config.recoveryRegion,
      destinationKeyAlias: names.keyAlias(config, 'recovery'),
      retentionDays: config.retention.continuousDays,
      key,
      logRetention,
      sourceKeys: created.length > 0 ? [key] : [],
    });
  }
}
