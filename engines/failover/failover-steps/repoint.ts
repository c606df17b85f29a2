/** Repoint clients at the recovered database and verify that every pointer resolves to it. */
import type { RDSClient } from '@aws-sdk/client-rds';
import { z } from 'zod';
import { findInstance, parameterValue, route53Value, secretJson, type Endpoint } from '../aws-helpers';
import { databaseOf, Errors, StepError, type CatalogDatabase, type Strategy } from '../catalog';
import type { StepDeps } from '../clients';
import { FailoverState, Repoint } from './state';
import { required } from './required';
import { pollRepoint, startRepoint } from '../repoint-progress';
import { findCluster } from '../cluster/aws-clusters';
import {
  repointThroughGlobalWriterEndpoint,
  throughGlobalWriterEndpoint,
  verifyThroughGlobalWriterEndpoint,
} from '../cluster/global-writer-endpoint';

export async function repoint(state: FailoverState, deps: StepDeps): Promise<z.infer<typeof Repoint>> {
  const plan = required(state.plan, 'plan');
  const validation = required(state.validation, 'validation');
  if (!validation.passed) throw new StepError(Errors.stepFailed, 'validation failed: clients stay where they are');
  const endpoint = required(state.recovery?.endpoint, 'recovery.endpoint');
  const db = databaseOf(deps.catalog, plan.database);
  const comment = `rxdr failover ${state.execution.name}`;
  if (throughGlobalWriterEndpoint(db, plan.strategy))
    return repointThroughGlobalWriterEndpoint(deps, db, endpoint, comment);
  return startRepoint(deps, db, endpoint, comment);
}

/** Route 53 change propagated? (GetChange INSYNC.) */
export async function checkRepoint(state: FailoverState, deps: StepDeps): Promise<z.infer<typeof Repoint>> {
  return pollRepoint(required(state.repoint, 'repoint'), deps);
}

/** Every pointer reads the new endpoint, the instance is available, and (in the VPC) the name accepts connections. */
export async function verify(
  state: FailoverState,
  deps: StepDeps,
): Promise<{ startedAt: string; endedAt: string; checks: { name: string; ok: boolean; detail: string }[] }> {
  const startedAt = deps.clock.now().toISOString();
  const plan = required(state.plan, 'plan');
  const recovery = required(state.recovery, 'recovery');
  const endpoint = required(recovery.endpoint, 'recovery.endpoint');
  const db = databaseOf(deps.catalog, plan.database);
  const checks = await verifiedPointers(deps, db, plan.strategy, {
    identifier: recovery.instanceIdentifier,
    region: deps.catalog.recoveryRegion,
    endpoint,
    rds: deps.clients.rdsRecovery,
  });
  throwUnlessVerified(checks);
  return { startedAt, endedAt: deps.clock.now().toISOString(), checks };
}

/**
 * The checks that every pointer leads to `target` (failover and failback alike): with clients on the global writer
 * endpoint and a strategy that keeps the global database, that AWS moved the endpoint to it; otherwise that every
 * record, parameter and secret names its endpoint.
 */
export async function verifiedPointers(
  deps: StepDeps,
  db: CatalogDatabase,
  strategy: Strategy,
  target: {
    readonly identifier: string;
    readonly region: string;
    readonly endpoint: Endpoint;
    readonly rds: RDSClient;
  },
): Promise<{ name: string; ok: boolean; detail: string }[]> {
  const { identifier, region, endpoint, rds } = target;
  if (!throughGlobalWriterEndpoint(db, strategy)) return verifyPointers(deps, db, identifier, endpoint, rds);
  return verifyThroughGlobalWriterEndpoint(deps, db, { identifier, region, port: endpoint.port }, (host) =>
    verifyPointers(deps, db, identifier, { host, port: endpoint.port }, rds),
  );
}

/** A failed step naming every pointer check that failed (failover and failback verify alike). */
export function throwUnlessVerified(checks: readonly { name: string; ok: boolean; detail: string }[]): void {
  const failed = checks.filter((c) => !c.ok);
  if (failed.length > 0)
    throw new StepError(
      Errors.stepFailed,
      `verification failed: ${failed.map((c) => `${c.name}: ${c.detail}`).join('; ')}`,
    );
}

export async function verifyPointers(
  deps: StepDeps,
  db: CatalogDatabase,
  instanceIdentifier: string,
  endpoint: Endpoint,
  rds: StepDeps['clients']['rdsRecovery'],
): Promise<{ name: string; ok: boolean; detail: string }[]> {
  const checks: { name: string; ok: boolean; detail: string }[] = [];
  const [status, record, parameter, secret] = await Promise.all([
    db.cluster
      ? findCluster(rds, instanceIdentifier).then((c) => c?.Status)
      : findInstance(rds, instanceIdentifier).then((i) => i?.DBInstanceStatus),
    db.repoint.route53
      ? route53Value(deps.clients.route53, db.repoint.route53.hostedZoneId, db.repoint.route53.recordName)
      : Promise.resolve(undefined),
    db.repoint.parameterName ? parameterValue(deps.clients.ssm, db.repoint.parameterName) : Promise.resolve(undefined),
    secretJson(deps.clients.secrets, db.repoint.secretArn),
  ]);
  checks.push({
    name: db.cluster ? 'cluster' : 'instance',
    ok: status === 'available',
    detail: `${instanceIdentifier} is ${status ?? 'missing'}`,
  });
  if (db.repoint.route53)
    checks.push({
      name: 'route53-record',
      ok: record === endpoint.host,
      detail: `${db.repoint.route53.recordName} → ${record ?? '(none)'}`,
    });
  if (db.repoint.parameterName)
    checks.push({
      name: 'ssm-parameter',
      ok: parameter === endpoint.host,
      detail: `${db.repoint.parameterName} = ${parameter ?? '(none)'}`,
    });
  checks.push({
    name: 'secret-host',
    ok: secret.host === endpoint.host,
    detail: `secret host = ${String(secret.host)}`,
  });
  if (deps.catalog.probeConnectivity) {
    const host = db.repoint.route53?.recordName.replace(/\.$/, '') ?? endpoint.host;
    const probe = await deps.probe(host, endpoint.port);
    checks.push({ name: 'connect', ok: probe.ok, detail: probe.detail });
  }
  return checks;
}
