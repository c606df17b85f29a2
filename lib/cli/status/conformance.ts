import { checkConformance } from '../../../engines/conformance/check';
import type { ConformanceClients } from '../../../engines/conformance/describe';
import type { Finding } from '../../../engines/conformance/rules';
import type { EnvironmentConfig } from '../../config/environment-config';
import { conformanceTargets } from '../../compliance/conformance-targets';
import { cliRuntime, type CliClients } from '../aws';

/** One instance's conformance as `rxdr status` and `rxdr plan --conformance` show it. */
export interface InstanceConformanceStatus {
  readonly database: string;
  /** The source instance or its warm-standby read replica. */
  readonly role: 'primary' | 'replica';
  readonly instance: string;
  readonly region: string;
  readonly findings: readonly Finding[];
  /** Why the instance's settings could not be read (then it is not known to conform). */
  readonly error?: string;
  readonly ok: boolean;
}

/**
 * The conformance of the environment's instances (all, or one database's), read now with the caller's
 * credentials by the same engine and targets as the scheduled check (`engines/conformance`).
 */
export async function collectConformance(
  env: EnvironmentConfig,
  now: Date,
  options: { readonly database?: string; readonly profile?: string } = {},
): Promise<InstanceConformanceStatus[]> {
  const made = new Map<string, CliClients>();
  const inRegion = (region: string): CliClients => {
    let clients = made.get(region);
    if (!clients) {
      clients = cliRuntime.clients({ region, ...(options.profile ? { profile: options.profile } : {}) });
      made.set(region, clients);
    }
    return clients;
  };
  const clients: ConformanceClients = { rds: (r) => inRegion(r).rds, kms: (r) => inRegion(r).kms };
  const targets = conformanceTargets(env).filter((t) => !options.database || t.database === options.database);
  const report = await checkConformance(env.name, targets, clients, now);
  return report.instances.map(({ target, findings, error }) => ({
    database: target.database,
    role: target.role,
    instance: target.instanceIdentifier,
    region: target.region,
    findings,
    ...(error ? { error } : {}),
    ok: error === undefined && findings.length === 0,
  }));
}

/** Status lines of one database's instances (two-space indent, ✓/✗ like the other checks). */
export function renderConformance(instances: readonly InstanceConformanceStatus[]): string[] {
  return instances.flatMap((i) => {
    const head = `  ${i.ok ? '✓' : '✗'} ${'conformance'.padEnd(16)} ${i.role} ${i.instance} (${i.region})`;
    if (i.error) return [`${head}: cannot read its settings: ${i.error}`];
    if (i.findings.length === 0) return [`${head}: every rule met`];
    return [head, ...i.findings.map((f) => `      ✗ ${f.kind}: ${f.detail}`)];
  });
}
