import {
  type DBCluster,
  type DBInstance,
  DescribeDBClusterParametersCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
} from '@aws-sdk/client-rds';
import { checkConformance } from '../../engines/conformance/check';
import { conformanceTargets } from '../../lib/compliance/conformance-targets';
import { POSTGRES_PARAMETERS } from '../../engines/database/postgres-parameters';
import type { ConformanceTarget } from '../../engines/conformance/target';
import type { ConformanceFindingKind } from '../../engines/common/metrics-contract';
import { environment } from '../helpers/config';
import {
  clients,
  describesKey,
  describesParameters,
  type Drift,
  eachDriftGivesItsFinding,
  KEY_ARN,
  kms,
  NOW,
  rds,
} from './mocked-rds';

/*
 * The conformance engine on Aurora clusters, against aws-sdk-client-mock descriptions: a compliant cluster has no
 * finding, and each drift of one cluster setting (DescribeDBClusters, its cluster parameter group, its members)
 * gives exactly its finding kind.
 */

const TARGET: ConformanceTarget = {
  database: 'adjudication',
  role: 'primary',
  resource: 'cluster',
  mode: 'create',
  instanceIdentifier: 'rxdr-prod-adjudication',
  region: 'us-east-1',
  tier: 'critical',
  minBackupRetentionDays: 35,
  multiAz: true,
  iamAuthentication: true,
};

interface World {
  cluster: DBCluster;
  members: DBInstance[];
  parameters: Record<string, string>;
  keyManager: 'CUSTOMER' | 'AWS';
}

function compliantWorld(): World {
  return {
    cluster: {
      DBClusterIdentifier: TARGET.instanceIdentifier,
      Engine: 'aurora-postgresql',
      EngineVersion: '17.6',
      StorageEncrypted: true,
      KmsKeyId: KEY_ARN,
      BackupRetentionPeriod: 35,
      DeletionProtection: true,
      MultiAZ: true,
      IAMDatabaseAuthenticationEnabled: true,
      DBClusterParameterGroup: 'adjudication-cluster-params',
      DBClusterMembers: [
        { DBInstanceIdentifier: 'rxdr-prod-adjudication-writer', DBClusterParameterGroupStatus: 'in-sync' },
        { DBInstanceIdentifier: 'rxdr-prod-adjudication-reader-1', DBClusterParameterGroupStatus: 'in-sync' },
      ],
    },
    members: ['writer', 'reader-1'].map((m) => ({
      DBInstanceIdentifier: `rxdr-prod-adjudication-${m}`,
      PubliclyAccessible: false,
      AutoMinorVersionUpgrade: true,
    })),
    parameters: { ...POSTGRES_PARAMETERS },
    keyManager: 'CUSTOMER',
  };
}

function awsDescribes(world: World): void {
  rds.on(DescribeDBClustersCommand).resolves({ DBClusters: [world.cluster] });
  rds.on(DescribeDBInstancesCommand).resolves({ DBInstances: world.members });
  describesParameters('cluster', world.parameters);
  describesKey(world.keyManager);
}

/** One drift per finding kind a cluster can have (Aurora replicates no automated backups: no backupReplication). */
const DRIFTS: Record<Exclude<ConformanceFindingKind, 'backupReplication'>, Drift<World>> = {
  storageEncryption: ['unencrypted storage', (w) => (w.cluster.StorageEncrypted = false), /not encrypted/],
  backupRetention: ['7-day backups', (w) => (w.cluster.BackupRetentionPeriod = 7), /kept 7 days.*at least 35/],
  deletionProtection: ['deletion protection off', (w) => (w.cluster.DeletionProtection = false), /off/],
  publicAccess: ['a public reader', (w) => (w.members[1]!.PubliclyAccessible = true), /publicly accessible/],
  forceSsl: ['rds.force_ssl 0', (w) => (w.parameters['rds.force_ssl'] = '0'), /rds\.force_ssl is "0", expected 1/],
  pgaudit: ['pgaudit not loaded', (w) => (w.parameters.shared_preload_libraries = ''), /pgaudit is not loaded/],
  engineSupport: ['Aurora PostgreSQL 13', (w) => (w.cluster.EngineVersion = '13.20'), /13\.20 .*2026-02-28/],
  autoMinorVersionUpgrade: [
    'a member without minor upgrades',
    (w) => (w.members[0]!.AutoMinorVersionUpgrade = false),
    /off/,
  ],
  multiAz: ['single-AZ', (w) => (w.cluster.MultiAZ = false), /single-AZ/],
  iamAuthentication: [
    'IAM authentication off',
    (w) => (w.cluster.IAMDatabaseAuthenticationEnabled = false),
    /IAM database authentication is off/,
  ],
};

beforeEach(() => {
  rds.reset();
  kms.reset();
});

describe('conformance of Aurora clusters (mocked DescribeDBClusters and friends)', () => {
  test('a compliant cluster has no finding; its settings are read from the cluster, its parameter group and members', async () => {
    awsDescribes(compliantWorld());
    const report = await checkConformance('prod', [TARGET], clients, NOW);
    expect(report.instances).toEqual([{ target: TARGET, findings: [] }]);
    expect(rds.commandCalls(DescribeDBClusterParametersCommand)).toHaveLength(2);
    expect(rds.commandCalls(DescribeDBParametersCommand)).toHaveLength(0);
    expect(rds.commandCalls(DescribeDBInstancesCommand)[0]!.args[0].input.Filters).toEqual([
      { Name: 'db-cluster-id', Values: ['rxdr-prod-adjudication'] },
    ]);
  });

  eachDriftGivesItsFinding(DRIFTS, { compliant: compliantWorld, describe: awsDescribes, target: TARGET });

  test('a member still waiting for a reboot: TLS and pgaudit are not in force', async () => {
    const world = compliantWorld();
    world.cluster.DBClusterMembers![1]!.DBClusterParameterGroupStatus = 'pending-reboot';
    awsDescribes(world);
    const kinds = (await checkConformance('prod', [TARGET], clients, NOW)).instances[0]!.findings.map((f) => f.kind);
    expect(kinds).toEqual(['forceSsl', 'pgaudit']);
  });

  test('a cluster that does not exist is reported as unread, never as conforming', async () => {
    rds
      .on(DescribeDBClustersCommand)
      .rejects(Object.assign(new Error('not found'), { name: 'DBClusterNotFoundFault' }));
    const [result] = (await checkConformance('prod', [TARGET], clients, NOW)).instances;
    expect(result).toMatchObject({
      findings: [],
      error: expect.stringMatching(/DB cluster rxdr-prod-adjudication .*not found/),
    });
  });

  test("an environment's clusters are targets: the primary with IAM auth and retention, a tier-1 secondary in the recovery region", () => {
    const env = environment({
      databases: [
        { name: 'dispensing', tier: 'critical', mode: 'create' },
        { name: 'adjudication', tier: 'critical', mode: 'create', engine: 'aurora-postgresql' },
      ],
    });
    const clusters = conformanceTargets(env).filter((t) => t.resource === 'cluster');
    expect(clusters).toEqual([
      expect.objectContaining({
        role: 'primary',
        instanceIdentifier: 'rxdr-test-adjudication',
        region: env.primaryRegion,
        iamAuthentication: true,
        multiAz: true,
        expectedKey: 'alias/rxdr-test-primary',
      }),
      expect.objectContaining({
        role: 'replica',
        instanceIdentifier: 'rxdr-test-adjudication-dr',
        region: env.recoveryRegion,
        expectedKey: 'alias/rxdr-test-recovery',
      }),
    ]);
    expect(clusters.every((t) => t.backupReplicationRegion === undefined)).toBe(true);
  });
});
