import { ListRecoveryPointsByBackupVaultCommand, StartRestoreJobCommand } from '@aws-sdk/client-backup';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateDBInstanceCommand,
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
  readyAt?: number;
  becomes?: string;
  /** Removed from the global database, not yet standalone (it still names the global database, has no writer). */
  detaching?: boolean;
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
  readonly global = {
    id: 'claims-global',
    writer: clusterArn(PRIMARY, 'claims-prod'),
    members: [clusterArn(PRIMARY, 'claims-prod'), clusterArn(RECOVERY, 'claims-prod-dr')],
    switching: undefined as { status: string; to: string; readyAt: number; allowDataLoss: boolean } | undefined,
    /** The global writer endpoint (`Endpoint`), which follows the writer. */
    endpoint: GLOBAL_WRITER_ENDPOINT as string | undefined,
  };
  /** `AuroraGlobalDBReplicationLag` of the secondary, ms. */
  lagMs: number | undefined = 1200;
  seconds = { switchover: 120, failover: 180, detach: 150, restore: 2700, instance: 600 };

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
    this.globalView();
    const member = this.global.members.includes(arn);
    // A global database's secondary has no writer instance; a standalone cluster or the global writer has one.
    const writes = !cluster.detaching && (!member || this.global.writer === arn);
    return {
      DBClusterIdentifier: id,
      DBClusterArn: arn,
      Status: cluster.status,
      Endpoint: clusterEndpoint(region, id),
      Port: 5432,
      ...(member || cluster.detaching ? { GlobalClusterIdentifier: this.global.id } : {}),
      DBClusterMembers: cluster.instances.map((i, n) => ({
        DBInstanceIdentifier: i,
        IsClusterWriter: writes && n === 0,
      })),
    };
  }

  private globalView() {
    const { switching } = this.global;
    if (switching && this.world.clock.ms >= switching.readyAt) {
      this.global.writer = switching.to;
      this.global.switching = undefined;
    }
    return {
      GlobalClusterIdentifier: this.global.id,
      Status: 'available',
      ...(this.global.endpoint ? { Endpoint: this.global.endpoint } : {}),
      GlobalClusterMembers: this.global.members.map((arn) => ({
        DBClusterArn: arn,
        IsWriter: arn === this.global.writer,
      })),
      ...(this.global.switching
        ? {
            FailoverState: {
              Status: this.global.switching.status,
              ToDbClusterArn: this.global.switching.to,
              IsDataLossAllowed: this.global.switching.allowDataLoss,
            },
          }
        : {}),
    };
  }

  private startSwitch(input: Record<string, unknown>, allowDataLoss: boolean): object {
    if (input.GlobalClusterIdentifier !== this.global.id) throw awsError('GlobalClusterNotFoundFault');
    const to = String(input.TargetDbClusterIdentifier);
    this.globalView();
    if (this.global.switching || !this.global.members.includes(to) || this.global.writer === to)
      throw awsError('InvalidGlobalClusterStateFault', `${this.global.id} cannot switch to ${to} now`);
    // A switchover needs every member; only a failover may leave an unreachable primary region behind.
    if (!allowDataLoss && this.primaryDown())
      throw awsError('InvalidGlobalClusterStateFault', 'the primary cluster is unavailable: switchover refused');
    const seconds = allowDataLoss ? this.seconds.failover : this.seconds.switchover;
    const status = allowDataLoss ? 'failing-over' : 'switching-over';
    const readyAt = this.world.clock.ms + seconds * 1000;
    this.global.switching = { status, to, readyAt, allowDataLoss };
    // The new writer reports the end of the switch (RDS cluster event, category global-failover).
    const target = to.split(':').pop()!;
    const finished = allowDataLoss ? 'Global failover' : 'Global switchover';
    this.world.emit(
      target,
      readyAt,
      rdsClusterEvent(target, 'global-failover', `${finished} to DB cluster ${target} finished`, readyAt, RECOVERY),
    );
    return { GlobalCluster: this.globalView() };
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
    world.handle('rds:recovery', DescribeGlobalClustersCommand, (input) => {
      if (input.GlobalClusterIdentifier !== this.global.id) throw awsError('GlobalClusterNotFoundFault');
      return { GlobalClusters: [this.globalView()] };
    });
    world.handle('rds:recovery', SwitchoverGlobalClusterCommand, (input) => this.startSwitch(input, false));
    world.handle('rds:recovery', FailoverGlobalClusterCommand, (input) => {
      if (input.AllowDataLoss !== true) throw awsError('InvalidParameterCombination', 'expected AllowDataLoss');
      return this.startSwitch(input, true);
    });
    world.handle('rds:recovery', RemoveFromGlobalClusterCommand, (input) => this.detach(input));
    world.handle('rds:recovery', CreateDBInstanceCommand, (input) => {
      const id = String(input.DBInstanceIdentifier);
      const cluster = this.clusters.get(`${RECOVERY}/${String(input.DBClusterIdentifier)}`);
      if (!cluster) throw awsError('DBClusterNotFoundFault');
      if (world.instances.has(`${RECOVERY}/${id}`)) throw awsError('DBInstanceAlreadyExistsFault');
      cluster.instances.push(id);
      world.transition(RECOVERY, id, 'creating', this.seconds.instance, { status: 'available' }, (at) =>
        rdsInstanceEvent(id, 'creation', 'DB instance created', at, RECOVERY),
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
