import { ListRecoveryPointsByBackupVaultCommand, StartRestoreJobCommand } from '@aws-sdk/client-backup';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  CreateGlobalClusterCommand,
  DescribeDBClustersCommand,
  DescribeGlobalClustersCommand,
  FailoverGlobalClusterCommand,
  RemoveFromGlobalClusterCommand,
  SwitchoverGlobalClusterCommand,
} from '@aws-sdk/client-rds';
import type { CatalogInput } from '../../engines/failover/catalog';
import { backupRestoreCompletedEvent, rdsClusterEvent, rdsInstanceEvent } from '../helpers/event-waits';
import { ACCOUNT, FakeAws, newWorld, PRIMARY, RECOVERY, TEST_CATALOG } from './fake-aws';

/** The test catalog with two Aurora clusters: `claims` on a global database (tier 1), `reports` without (tier 3). */
/** The steps of the failover state machine for a cluster, in order: the function may die after any of them. */
export const CLUSTER_FAILOVER_STEPS = [
  'preflight',
  'activate',
  'start-recovery',
  'check-recovery',
  'validate',
  'repoint',
  'check-repoint',
  'verify',
  'notify',
];

export const CLUSTER_CATALOG: CatalogInput = {
  ...TEST_CATALOG,
  databases: [
    ...TEST_CATALOG.databases,
    {
      name: 'claims',
      tier: 1,
      rtoSeconds: 3600,
      rpoSeconds: 300,
      defaultStrategy: 'global-failover',
      primaryInstanceIdentifier: 'claims-prod',
      recoveredInstanceIdentifier: 'claims-prod-restored',
      failbackInstanceIdentifier: 'claims-prod-fb',
      instanceClass: 'db.r6g.large',
      repoint: {
        secretArn: 'arn:aws:secretsmanager:us-west-2:111111111111:secret:claims',
        route53: { hostedZoneId: 'Z1', recordName: 'claims.db.rx.internal', ttl: 30 },
        parameterName: '/rx/claims/endpoint',
      },
      cluster: {
        primaryClusterIdentifier: 'claims-prod',
        globalClusterIdentifier: 'claims-global',
        secondaryClusterIdentifier: 'claims-prod-dr',
        recoveredClusterIdentifier: 'claims-prod-restored',
      },
    },
    {
      name: 'reports',
      tier: 3,
      rtoSeconds: 86400,
      rpoSeconds: 86400,
      defaultStrategy: 'latest-backup',
      primaryInstanceIdentifier: 'reports-prod',
      recoveredInstanceIdentifier: 'reports-prod-restored',
      failbackInstanceIdentifier: 'reports-prod-fb',
      repoint: {
        secretArn: 'arn:aws:secretsmanager:us-west-2:111111111111:secret:reports',
        route53: { hostedZoneId: 'Z1', recordName: 'reports.db.rx.internal', ttl: 30 },
        parameterName: '/rx/reports/endpoint',
      },
      cluster: { primaryClusterIdentifier: 'reports-prod', recoveredClusterIdentifier: 'reports-prod-restored' },
    },
  ],
};

interface Cluster {
  status: string;
  instances: string[];
  tags?: { Key: string; Value: string }[];
  readyAt?: number;
  becomes?: string;
  /** Removed from the global database, not yet standalone (it still names the global database, has no writer). */
  detaching?: boolean;
}

/** An Aurora Global Database: its members (cluster ARNs), writer, a switch under way, its writer endpoint. */
interface GlobalDb {
  id: string;
  writer: string;
  members: string[];
  switching: { status: string; to: string; readyAt: number; allowDataLoss: boolean } | undefined;
  endpoint: string | undefined;
  /** Created by `CreateGlobalCluster`: `creating` until then. */
  readyAt?: number;
  tags?: { Key: string; Value: string }[];
}

function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

export const clusterArn = (region: string, id: string) => `arn:aws:rds:${region}:${ACCOUNT}:cluster:${id}`;
export const clusterEndpoint = (region: string, id: string) => `${id}.cluster-c0ffee.${region}.rds.amazonaws.com`;
export const GLOBAL_WRITER_ENDPOINT = 'claims-global.global-c0ffee.global.rds.amazonaws.com';

/**
 * The fake account with Aurora: clusters that take (virtual) time to restore, an Aurora Global Database whose
 * switchover and failover take time and move the writer, cluster recovery points. Same call log, injected errors
 * and crashes as the instance fake (its calls go through `FakeAws.handle`).
 */
export class FakeAurora {
  readonly clusters = new Map<string, Cluster>();
  readonly global: GlobalDb = {
    id: 'claims-global',
    writer: clusterArn(PRIMARY, 'claims-prod'),
    members: [clusterArn(PRIMARY, 'claims-prod'), clusterArn(RECOVERY, 'claims-prod-dr')],
    switching: undefined,
    /** The global writer endpoint (`Endpoint`), which follows the writer. */
    endpoint: GLOBAL_WRITER_ENDPOINT,
  };
  /** Global databases created by `CreateGlobalCluster` (a detached secondary's failback). */
  readonly created: GlobalDb[] = [];
  /** `AuroraGlobalDBReplicationLag` of the secondary, ms. */
  lagMs: number | undefined = 1200;
  seconds = {
    switchover: 120,
    failover: 180,
    detach: 150,
    restore: 2700,
    instance: 600,
    /** `CreateGlobalCluster` from an existing cluster, and a new secondary cluster joining it. */
    globalCreate: 60,
    secondaryCreate: 900,
  };

  constructor(readonly world: FakeAws) {
    this.clusters.set(`${PRIMARY}/claims-prod`, { status: 'available', instances: ['claims-prod-writer'] });
    this.clusters.set(`${RECOVERY}/claims-prod-dr`, { status: 'available', instances: ['claims-prod-dr-1'] });
    this.clusters.set(`${PRIMARY}/reports-prod`, { status: 'available', instances: ['reports-prod-writer'] });
    this.wire();
  }

  /** The primary region is down: its RDS API times out (`primaryStatus` of the instance fake). */
  private primaryDown(): boolean {
    return this.world.primaryStatus === 'unreachable';
  }

  private describe(region: string, id: string) {
    const cluster = this.clusters.get(`${region}/${id}`);
    if (!cluster) throw awsError('DBClusterNotFoundFault', `DBCluster ${id} not found.`);
    if (cluster.readyAt !== undefined && this.world.clock.ms >= cluster.readyAt && cluster.becomes) {
      cluster.status = cluster.becomes;
      delete cluster.readyAt;
      delete cluster.becomes;
      delete cluster.detaching;
    }
    const arn = clusterArn(region, id);
    for (const g of this.globals()) this.globalView(g);
    const global = this.globals().find((g) => g.members.includes(arn));
    // A global database's secondary has no writer instance; a standalone cluster or the global writer has one.
    const writes = !cluster.detaching && (!global || global.writer === arn);
    return {
      DBClusterIdentifier: id,
      DBClusterArn: arn,
      Status: cluster.status,
      Endpoint: clusterEndpoint(region, id),
      Port: 5432,
      EngineVersion: '17.6',
      ...(region === PRIMARY
        ? {
            DBSubnetGroup: 'rxdr-primary-subnets',
            VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-primary' }],
            DBClusterParameterGroup: 'rxdr-aurora-pg17',
            KmsKeyId: `arn:aws:kms:${PRIMARY}:${ACCOUNT}:key/primary`,
          }
        : {}),
      TagList: cluster.tags ?? [],
      ...(global || cluster.detaching ? { GlobalClusterIdentifier: global?.id ?? this.global.id } : {}),
      DBClusterMembers: cluster.instances.map((i, n) => ({
        DBInstanceIdentifier: i,
        IsClusterWriter: writes && n === 0,
      })),
    };
  }

  private globals(): GlobalDb[] {
    return [this.global, ...this.created];
  }

  /** The global database named `id`. */
  globalOf(id: unknown): GlobalDb {
    const global = this.globals().find((g) => g.id === id);
    if (!global) throw awsError('GlobalClusterNotFoundFault', `Global cluster ${String(id)} not found`);
    return global;
  }

  private globalView(global: GlobalDb = this.global) {
    const { switching } = global;
    if (switching && this.world.clock.ms >= switching.readyAt) {
      global.writer = switching.to;
      global.switching = undefined;
    }
    if (global.readyAt !== undefined && this.world.clock.ms >= global.readyAt) delete global.readyAt;
    return {
      GlobalClusterIdentifier: global.id,
      Status: global.readyAt === undefined ? 'available' : 'creating',
      EngineVersion: '17.6',
      ...(global.endpoint ? { Endpoint: global.endpoint } : {}),
      GlobalClusterMembers: global.members.map((arn) => ({
        DBClusterArn: arn,
        IsWriter: arn === global.writer,
      })),
      ...(global.switching
        ? {
            FailoverState: {
              Status: global.switching.status,
              ToDbClusterArn: global.switching.to,
              IsDataLossAllowed: global.switching.allowDataLoss,
            },
          }
        : {}),
    };
  }

  private startSwitch(input: Record<string, unknown>, allowDataLoss: boolean): object {
    const global = this.globalOf(input.GlobalClusterIdentifier);
    const to = String(input.TargetDbClusterIdentifier);
    this.globalView(global);
    const joining = this.clusters.get(`${to.split(':')[3]}/${to.split(':').pop()}`)?.status !== 'available';
    if (global.switching || !global.members.includes(to) || global.writer === to || joining)
      throw awsError('InvalidGlobalClusterStateFault', `${global.id} cannot switch to ${to} now`);
    // A switchover needs every member; only a failover may leave an unreachable primary region behind.
    if (!allowDataLoss && this.primaryDown())
      throw awsError('InvalidGlobalClusterStateFault', 'the primary cluster is unavailable: switchover refused');
    const seconds = allowDataLoss ? this.seconds.failover : this.seconds.switchover;
    const status = allowDataLoss ? 'failing-over' : 'switching-over';
    const readyAt = this.world.clock.ms + seconds * 1000;
    global.switching = { status, to, readyAt, allowDataLoss };
    // The new writer reports the end of the switch (RDS cluster event, category global-failover).
    const target = to.split(':').pop()!;
    const finished = allowDataLoss ? 'Global failover' : 'Global switchover';
    const region = to.split(':')[3];
    this.world.emit(
      target,
      readyAt,
      rdsClusterEvent(target, 'global-failover', `${finished} to DB cluster ${target} finished`, readyAt, region),
    );
    return { GlobalCluster: this.globalView(global) };
  }

  /** `CreateGlobalCluster` from a standalone cluster (its ARN): it becomes the writer of a new global database. */
  private createGlobal(input: Record<string, unknown>): object {
    const id = String(input.GlobalClusterIdentifier);
    if (this.globals().some((g) => g.id === id)) throw awsError('GlobalClusterAlreadyExistsFault', `${id} exists`);
    const source = String(input.SourceDBClusterIdentifier);
    const [region, name] = [source.split(':')[3], source.split(':').pop()];
    if (!this.clusters.has(`${region}/${name}`)) throw awsError('DBClusterNotFoundFault', `${source} not found`);
    if (this.globals().some((g) => g.members.includes(source)))
      throw awsError('InvalidDBClusterStateFault', `${source} is already in a global database`);
    const global: GlobalDb = {
      id,
      writer: source,
      members: [source],
      switching: undefined,
      endpoint: `${id}.global-c0ffee.global.rds.amazonaws.com`,
      readyAt: this.world.clock.ms + this.seconds.globalCreate * 1000,
      tags: input.Tags as GlobalDb['tags'],
    };
    this.created.push(global);
    return { GlobalCluster: this.globalView(global) };
  }

  /** `CreateDBCluster` of a secondary in the primary region, in an available global database. */
  private createSecondary(input: Record<string, unknown>): object {
    const id = String(input.DBClusterIdentifier);
    if (this.clusters.has(`${PRIMARY}/${id}`)) throw awsError('DBClusterAlreadyExistsFault', `${id} exists`);
    const global = this.globalOf(input.GlobalClusterIdentifier);
    if (this.globalView(global).Status !== 'available')
      throw awsError('InvalidGlobalClusterStateFault', `${global.id} is not available`);
    const readyAt = this.world.clock.ms + this.seconds.secondaryCreate * 1000;
    const tags = input.Tags as Cluster['tags'];
    this.clusters.set(`${PRIMARY}/${id}`, { status: 'creating', instances: [], readyAt, becomes: 'available', tags });
    global.members.push(clusterArn(PRIMARY, id));
    this.world.emit(id, readyAt, rdsClusterEvent(id, 'creation', 'DB cluster created', readyAt, PRIMARY));
    return { DBCluster: { DBClusterIdentifier: id } };
  }

  /**
   * `RemoveFromGlobalCluster`, called in the secondary's region with its ARN: the global database drops it at once;
   * the cluster is promoted to a standalone writer over `seconds.detach` and, as AWS documents no cluster event for
   * that, announces nothing.
   */
  private detach(input: Record<string, unknown>): object {
    if (input.GlobalClusterIdentifier !== this.global.id) throw awsError('GlobalClusterNotFoundFault');
    const arn = String(input.DbClusterIdentifier);
    this.globalView();
    if (!arn.startsWith(`arn:aws:rds:${RECOVERY}:`))
      throw awsError('InvalidParameterValue', `${arn} is not a cluster ARN of this Region (${RECOVERY})`);
    if (!this.global.members.includes(arn)) throw awsError('DBClusterNotFoundFault', `${arn} is not a member`);
    if (this.global.switching || this.global.writer === arn)
      throw awsError('InvalidGlobalClusterStateFault', `${arn} cannot be removed from ${this.global.id} now`);
    this.global.members = this.global.members.filter((m) => m !== arn);
    const cluster = this.clusters.get(`${RECOVERY}/${arn.split(':').pop()}`)!;
    Object.assign(cluster, {
      status: 'modifying',
      detaching: true,
      readyAt: this.world.clock.ms + this.seconds.detach * 1000,
      becomes: 'available',
    });
    return { GlobalCluster: this.globalView() };
  }

  private wire(): void {
    const { world } = this;
    for (const [client, region] of [
      ['rds:recovery', RECOVERY],
      ['rds:primary', PRIMARY],
    ] as const) {
      world.handle(client, DescribeDBClustersCommand, (input) => {
        if (region === PRIMARY && this.primaryDown()) throw awsError('TimeoutError', 'connect ETIMEDOUT');
        return { DBClusters: [this.describe(region, String(input.DBClusterIdentifier))] };
      });
    }
    world.handle('rds:recovery', DescribeGlobalClustersCommand, (input) => ({
      GlobalClusters: [this.globalView(this.globalOf(input.GlobalClusterIdentifier))],
    }));
    world.handle('rds:recovery', CreateGlobalClusterCommand, (input) => this.createGlobal(input));
    world.handle('rds:primary', CreateDBClusterCommand, (input) => {
      if (this.primaryDown()) throw awsError('TimeoutError', 'connect ETIMEDOUT');
      return this.createSecondary(input);
    });
    world.handle('rds:recovery', SwitchoverGlobalClusterCommand, (input) => this.startSwitch(input, false));
    world.handle('rds:recovery', FailoverGlobalClusterCommand, (input) => {
      if (input.AllowDataLoss !== true) throw awsError('InvalidParameterCombination', 'expected AllowDataLoss');
      return this.startSwitch(input, true);
    });
    world.handle('rds:recovery', RemoveFromGlobalClusterCommand, (input) => this.detach(input));
    for (const [client, region] of [
      ['rds:recovery', RECOVERY],
      ['rds:primary', PRIMARY],
    ] as const)
      world.handle(client, CreateDBInstanceCommand, (input) => {
        const id = String(input.DBInstanceIdentifier);
        const cluster = this.clusters.get(`${region}/${String(input.DBClusterIdentifier)}`);
        if (!cluster) throw awsError('DBClusterNotFoundFault');
        if (world.instances.has(`${region}/${id}`)) throw awsError('DBInstanceAlreadyExistsFault');
        cluster.instances.push(id);
        // An instance added to a cluster still being created (RDS accepts it) is counted from the cluster's end:
        // it is never available first, and the model credits no overlap of the two.
        const clusterLeft =
          cluster.status === 'creating' && cluster.readyAt !== undefined
            ? Math.max(0, cluster.readyAt - world.clock.ms) / 1000
            : 0;
        world.transition(region, id, 'creating', clusterLeft + this.seconds.instance, { status: 'available' }, (at) =>
          rdsInstanceEvent(id, 'creation', 'DB instance created', at, region),
        );
        return {};
      });
    world.handle('backup', StartRestoreJobCommand, (input) => {
      const metadata = input.Metadata as Record<string, string>;
      if (input.ResourceType !== 'Aurora')
        throw awsError('UnexpectedCall', 'instance restores: use the instance world');
      const existing = world.restoreJobs.get(String(input.IdempotencyToken));
      if (existing) return { RestoreJobId: existing.id };
      const id = `job-${world.restoreJobs.size + 1}`;
      world.restoreJobs.set(String(input.IdempotencyToken), { id, token: String(input.IdempotencyToken) });
      const readyAt = world.clock.ms + this.seconds.restore * 1000;
      const cluster = String(metadata.DBClusterIdentifier);
      world.emit(cluster, readyAt, backupRestoreCompletedEvent(cluster, id, readyAt, RECOVERY, 'cluster'));
      this.clusters.set(`${RECOVERY}/${metadata.DBClusterIdentifier}`, {
        status: 'creating',
        instances: [],
        readyAt,
        becomes: 'available',
      });
      return { RestoreJobId: id };
    });
    world.handle('backup', ListRecoveryPointsByBackupVaultCommand, (input) => ({
      RecoveryPoints:
        input.ByResourceType === 'Aurora'
          ? [
              {
                RecoveryPointArn: `arn:aws:backup:${RECOVERY}:${ACCOUNT}:recovery-point:rp-reports`,
                CreationDate: new Date('2026-03-03T01:00:00.000Z'),
                Status: 'COMPLETED',
                ResourceArn: clusterArn(PRIMARY, 'reports-prod'),
              },
              {
                RecoveryPointArn: `arn:aws:backup:${RECOVERY}:${ACCOUNT}:recovery-point:rp-other`,
                CreationDate: new Date(world.clock.ms),
                Status: 'COMPLETED',
                ResourceArn: clusterArn(PRIMARY, 'someone-else'),
              },
            ]
          : [],
    }));
    world.handle('cloudwatch:recovery', GetMetricDataCommand, () => ({
      MetricDataResults: [{ Id: 'm', Values: this.lagMs === undefined ? [] : [this.lagMs] }],
    }));
  }
}

/** A fresh account: primary region unreachable, clients on the primary cluster's writer endpoint. */
export function newAuroraWorld(database = 'claims'): { world: FakeAws; aurora: FakeAurora } {
  const world = newWorld(database, CLUSTER_CATALOG);
  const old = clusterEndpoint(PRIMARY, `${database}-prod`);
  world.records.set(`${database}.db.rx.internal.`, old);
  world.parameters.set(`/rx/${database}/endpoint`, old);
  world.secret = { json: { ...world.secret.json, host: old }, primaryRegion: PRIMARY };
  return { world, aurora: new FakeAurora(world) };
}
