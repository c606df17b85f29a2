/**
 * Clients that connect through an Aurora Global Database's writer endpoint (`DescribeGlobalClusters` `Endpoint`,
 * which "always points to the writer DB instance in the current primary cluster"): a global switchover or failover
 * moves it with the writer, so the run changes no pointer that names it and verifies that it followed.
 * `detach-and-promote` and `latest-backup` leave the global database and repoint as usual.
 */
import { parameterValue, route53Value, secretJson, messageOf, type Endpoint } from '../aws-helpers';
import { Errors, StepError, type CatalogCluster, type CatalogDatabase, type Strategy } from '../catalog';
import type { StepDeps } from '../clients';
import { required } from '../failover-steps/required';
import { startRepoint, type RepointProgress } from '../repoint-progress';
import { changingWriter, describeGlobalCluster, findGlobalCluster, memberOf } from './aws-clusters';

/** The strategies after which the recovered cluster is still the global database's writer. */
const KEEP_GLOBAL_DATABASE: readonly Strategy[] = ['global-switchover', 'global-failover'];

type Check = { name: string; ok: boolean; detail: string };

/**
 * This run's clients follow the global writer endpoint: the option is set and the strategy keeps the global database
 * (a cluster's failback is a `global-switchover`).
 */
export function throughGlobalWriterEndpoint(db: CatalogDatabase, strategy: Strategy): boolean {
  return db.cluster?.clientsUseGlobalWriterEndpoint === true && KEEP_GLOBAL_DATABASE.includes(strategy);
}

/**
 * Preflight (read-only): with a global strategy, the global database must report its writer endpoint, and a pointer
 * that does not name it is announced (the run points it there); with a strategy that leaves the global database,
 * a warning that the pointers are repointed at the new cluster instead.
 */
export async function globalWriterEndpointPreflight(
  deps: StepDeps,
  db: CatalogDatabase,
  strategy: Strategy,
  check: (name: string, ok: boolean, detail: string) => void,
  warnings: string[],
): Promise<void> {
  const cluster = db.cluster;
  if (!cluster?.clientsUseGlobalWriterEndpoint) return;
  if (!throughGlobalWriterEndpoint(db, strategy)) {
    warnings.push(
      `clients connect through the global writer endpoint, but ${strategy} leaves the global database: the run ` +
        `repoints ${pointerNames(db)} at the new cluster's endpoint (the global writer endpoint stays with the ` +
        'global database)',
    );
    return;
  }
  if (!cluster.globalClusterIdentifier) return; // the global-database check blocks already
  try {
    const global = await findGlobalCluster(deps.clients.rdsRecovery, cluster.globalClusterIdentifier);
    const host = global?.Endpoint;
    if (!host) {
      check(
        'global-writer-endpoint',
        false,
        `${cluster.globalClusterIdentifier} reports no global writer endpoint for clients to follow`,
      );
      return;
    }
    check(
      'global-writer-endpoint',
      true,
      `clients connect through ${host}, which AWS moves to the new writer: the run changes no pointer that names it`,
    );
    for (const pointer of await currentPointers(deps, db))
      if (pointer.value !== host)
        warnings.push(
          `${pointer.kind} ${pointer.name} names ${pointer.value ?? '(nothing)'}, not the global writer endpoint ` +
            `${host}: the run points it at ${host}`,
        );
  } catch (error) {
    check('global-writer-endpoint', false, messageOf(error));
  }
}

/**
 * The repoint of a global switchover or failover (a cluster's failback is a switchover too): every pointer should name
 * the global writer endpoint (one that does not is pointed there, the rest are left as they are), and the evidence
 * records that AWS moved the endpoint to `newWriter`, the cluster that now writes.
 */
export async function repointThroughGlobalWriterEndpoint(
  deps: StepDeps,
  db: CatalogDatabase,
  newWriter: Endpoint,
  comment: string,
): Promise<RepointProgress> {
  const host = await globalWriterHost(deps, required(db.cluster, 'cluster'));
  const progress = await startRepoint(deps, db, { host, port: newWriter.port }, comment);
  return {
    ...progress,
    changes: [
      { kind: 'global-writer-endpoint', name: host, value: newWriter.host, outcome: 'by-aws' },
      ...progress.changes,
    ],
  };
}

/**
 * Verify after a global switchover or failover: the global database reports `target` (in `region`) as its writer with
 * no switch under way (its writer endpoint leads there), and every pointer names that endpoint.
 */
export async function verifyThroughGlobalWriterEndpoint(
  deps: StepDeps,
  db: CatalogDatabase,
  target: { readonly identifier: string; readonly region: string; readonly port: number },
  verifyPointers: (host: string) => Promise<Check[]>,
): Promise<Check[]> {
  const cluster = required(db.cluster, 'cluster');
  const globalId = required(cluster.globalClusterIdentifier, 'cluster.globalClusterIdentifier');
  const global = await describeGlobalCluster(deps.clients.rdsRecovery, globalId);
  const host = global.Endpoint;
  if (!host) return [{ name: 'global-writer-endpoint', ok: false, detail: `${globalId} reports no writer endpoint` }];
  const member = memberOf(global, target.region, target.identifier);
  const follows = member?.IsWriter === true && !changingWriter(global);
  const writer = global.GlobalClusterMembers?.find((m) => m.IsWriter)?.DBClusterArn;
  const reported = changingWriter(global)
    ? `a switch under way (${global.FailoverState?.Status})`
    : 'that cluster as its writer';
  const detail = follows
    ? `${host}:${target.port} leads to ${target.identifier}, the writer of ${globalId} (moved there by AWS)`
    : `${host} still leads to ${describeArn(writer)}, not to ${target.identifier}: ${globalId} reports ${reported}`;
  return [{ name: 'global-writer-endpoint', ok: follows, detail }, ...(await verifyPointers(host))];
}

async function globalWriterHost(deps: StepDeps, cluster: CatalogCluster): Promise<string> {
  const globalId = required(cluster.globalClusterIdentifier, 'cluster.globalClusterIdentifier');
  const global = await describeGlobalCluster(deps.clients.rdsRecovery, globalId);
  if (!global.Endpoint)
    throw new StepError(Errors.stepFailed, `${globalId} reports no global writer endpoint: clients cannot follow`);
  return global.Endpoint;
}

/** What each configured pointer names now. */
async function currentPointers(
  deps: StepDeps,
  db: CatalogDatabase,
): Promise<{ kind: string; name: string; value: string | undefined }[]> {
  const { route53, parameterName, secretArn } = db.repoint;
  const [record, parameter, secret] = await Promise.all([
    route53 ? route53Value(deps.clients.route53, route53.hostedZoneId, route53.recordName) : undefined,
    parameterName ? parameterValue(deps.clients.ssm, parameterName) : undefined,
    secretJson(deps.clients.secrets, secretArn),
  ]);
  return [
    ...(route53 ? [{ kind: 'route53-record', name: route53.recordName, value: record }] : []),
    ...(parameterName ? [{ kind: 'ssm-parameter', name: parameterName, value: parameter }] : []),
    { kind: 'secret-host', name: secretArn, value: typeof secret.host === 'string' ? secret.host : undefined },
  ];
}

function pointerNames(db: CatalogDatabase): string {
  return [
    db.repoint.route53 ? `record ${db.repoint.route53.recordName}` : undefined,
    db.repoint.parameterName ? `parameter ${db.repoint.parameterName}` : undefined,
    'the secret host',
  ]
    .filter(Boolean)
    .join(', ');
}

/** `claims-prod in us-east-1` from a cluster ARN (`arn:…:rds:<region>:<account>:cluster:<id>`). */
function describeArn(arn: string | undefined): string {
  if (!arn) return 'no writer';
  const parts = arn.split(':');
  return `${parts[6] ?? arn} in ${parts[3] ?? '?'}`;
}
