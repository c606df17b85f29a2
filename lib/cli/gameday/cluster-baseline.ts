import {
  changingWriter,
  findCluster,
  findGlobalCluster,
  memberOf,
} from '../../../engines/failover/cluster/aws-clusters';
import type { ProtectedDatabase } from '../../config/environment-config';
import type { ClusterIdentity } from '../../naming';
import { names } from '../../naming';
import type { AwsTarget } from '../aws';

/**
 * What keeps an Aurora cluster from its baseline after a game day, each problem naming the database and the
 * resource: the primary cluster exists (unless a failover moved the database), is available and has a writer
 * instance; where the tier keeps a global database, the global database is available with no switch under way, the
 * primary cluster is its writer (unless a failover moved the database) and the secondary is still a member;
 * otherwise the cluster replicates from nothing.
 */
export async function clusterBaselineProblems(
  primary: AwsTarget,
  db: ProtectedDatabase & ClusterIdentity,
  failedOver: boolean,
): Promise<string[]> {
  const env = primary.env;
  const identifier = names.primaryCluster(env, db);
  const cluster = await findCluster(primary.clients.rds, identifier);
  if (!cluster) return failedOver ? [] : [`${db.name}: the primary cluster ${identifier} is gone in ${primary.region}`];
  const problems: string[] = [];
  if (cluster.Status !== 'available')
    problems.push(`${db.name}: cluster ${identifier} is ${cluster.Status ?? 'in an unknown state'}, not available`);
  if (!(cluster.DBClusterMembers ?? []).some((m) => m.IsClusterWriter))
    problems.push(`${db.name}: cluster ${identifier} has no writer instance`);
  if (!db.tierPreset.crossRegionReadReplica) {
    if (cluster.ReplicationSourceIdentifier && !failedOver)
      problems.push(`${db.name}: cluster ${identifier} replicates from ${cluster.ReplicationSourceIdentifier}`);
    return problems;
  }
  const globalIdentifier = names.globalCluster(env, db);
  const global = await findGlobalCluster(primary.clients.rds, globalIdentifier);
  if (!global) return [...problems, `${db.name}: the global database ${globalIdentifier} is gone`];
  if (global.Status !== 'available')
    problems.push(
      `${db.name}: the global database ${globalIdentifier} is ${global.Status ?? 'in an unknown state'}, not available`,
    );
  if (changingWriter(global))
    problems.push(
      `${db.name}: a switchover or failover of ${globalIdentifier} is under way (${global.FailoverState?.Status})`,
    );
  const member = memberOf(global, primary.region, identifier);
  if (!member)
    problems.push(`${db.name}: cluster ${identifier} is no longer in the global database ${globalIdentifier}`);
  else if (!member.IsWriter && !failedOver) {
    const writer = global.GlobalClusterMembers?.find((m) => m.IsWriter)?.DBClusterArn ?? 'no cluster';
    problems.push(
      `${db.name}: cluster ${identifier} is not the writer of ${globalIdentifier} (the writer is ${writer})`,
    );
  }
  const secondary = names.secondaryCluster(env, db);
  if (!memberOf(global, env.recoveryRegion, secondary))
    problems.push(
      `${db.name}: the secondary cluster ${secondary} (${env.recoveryRegion}) is no longer in ${globalIdentifier}`,
    );
  return problems;
}
