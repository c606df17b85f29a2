import { checkConformance, conformanceRows, type ConformanceRow } from '../../../engines/conformance/check';
import type { ConformanceClients } from '../../../engines/conformance/describe';
import type { EnvironmentConfig } from '../../config/environment-config';
import { conformanceTargets } from '../../compliance/conformance-targets';
import { cliRuntime, type CliClients } from '../aws';

/** One instance's conformance as `rxdr status` and `rxdr plan --conformance` show it. */
export interface InstanceConformanceStatus extends ConformanceRow {
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
  return conformanceRows(report).map((row) => ({
    ...row,
    ok: row.error === undefined && row.findings.length === 0,
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
