import { environment, problemsOf } from '../helpers/config';
import { runbookDatabases } from '../../lib/constructs/failover/runbook-config';
import { recoverySection } from '../../lib/plan/sections-operations';
import { runbookStack } from '../failover/runbook-stack';

const pointers = {
  route53: { hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'claims.db.rx.internal' },
  endpointParameterName: '/rx/claims/endpoint',
};
const claims = (fields: Record<string, unknown>) => ({
  name: 'claims',
  engine: 'aurora-postgresql',
  mode: 'create',
  tier: 'critical',
  failover: { ...pointers, clientsUseGlobalWriterEndpoint: true },
  ...fields,
});

describe('failover.clientsUseGlobalWriterEndpoint: clients connect through the global writer endpoint', () => {
  test('a tier-1 cluster takes it; the runbooks get its pointers and the option', () => {
    const env = environment({ databases: [{ name: 'dispensing', tier: 'critical', mode: 'create' }, claims({})] });
    const db = runbookDatabases(env).find((d) => d.name === 'claims')!;
    expect(db).toMatchObject({
      route53: { hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'claims.db.rx.internal', ttl: 30 },
      endpointParameterName: '/rx/claims/endpoint',
      cluster: {
        globalClusterIdentifier: 'rxdr-test-claims-global',
        secondaryClusterIdentifier: 'rxdr-test-claims-dr',
        clientsUseGlobalWriterEndpoint: true,
      },
    });
    const plan = JSON.stringify(recoverySection({ config: env, toolVersion: '0.1.0' }));
    expect(plan).toContain('Clients connect through the global writer endpoint of `rxdr-test-claims-global`');
  });

  test('the synthesized runbook catalog carries it, and the runbooks grant the cluster pointers', () => {
    const env = environment({ databases: [claims({})] });
    const { runbooks, template } = runbookStack({ databases: runbookDatabases(env) });
    expect(runbooks.catalog.databases[0]).toMatchObject({
      repoint: { parameterName: '/rx/claims/endpoint', route53: { recordName: 'claims.db.rx.internal' } },
      cluster: { clientsUseGlobalWriterEndpoint: true },
    });
    expect(JSON.stringify(template.toJSON())).toContain('hostedzone/Z0123456789ABCDEFGHIJ');
  });

  test('without it a cluster repoints as before (the plan says so)', () => {
    const env = environment({ databases: [claims({ failover: pointers })] });
    expect(runbookDatabases(env)[0]!.cluster).not.toHaveProperty('clientsUseGlobalWriterEndpoint');
    expect(JSON.stringify(recoverySection({ config: env, toolVersion: '0.1.0' }))).toContain(
      'repoints clients at its writer endpoint',
    );
  });

  test('an RDS instance and a cluster without a global database are config errors, all listed with the value', () => {
    const problems = problemsOf({
      databases: [
        {
          name: 'dispensing',
          tier: 'critical',
          mode: 'create',
          failover: { ...pointers, clientsUseGlobalWriterEndpoint: true },
        },
        claims({
          name: 'reports',
          tier: 'important',
          failover: { clientsUseGlobalWriterEndpoint: true, endpointParameterName: '/rx/r' },
        }),
      ],
    });
    expect(problems).toMatch(
      /databases\[0\]\.failover\.clientsUseGlobalWriterEndpoint: database "dispensing" is an RDS instance: only an Aurora Global Database has a global writer endpoint; remove clientsUseGlobalWriterEndpoint \(got true\)/,
    );
    expect(problems).toMatch(
      /databases\[1\]\.failover\.clientsUseGlobalWriterEndpoint: cluster "reports": tier "important" keeps no Aurora Global Database, so there is no global writer endpoint to connect through; move the cluster to a tier with crossRegionReadReplica or remove clientsUseGlobalWriterEndpoint \(got true\)/,
    );
  });

  test('a tier override that keeps no standby makes it an error too; a non-boolean names the field', () => {
    expect(problemsOf({ tiers: { critical: { crossRegionReadReplica: false } }, databases: [claims({})] })).toMatch(
      /databases\[0\]\.failover\.clientsUseGlobalWriterEndpoint: cluster "claims": tier "critical" keeps no Aurora Global Database/,
    );
    expect(
      problemsOf({ databases: [claims({ failover: { ...pointers, clientsUseGlobalWriterEndpoint: 'yes' } })] }),
    ).toMatch(/databases\[0\]\.failover\.clientsUseGlobalWriterEndpoint: .*got "yes"/);
  });

  test('the runbooks construct refuses it for a cluster without a global database', () => {
    const env = environment({ databases: [claims({})] });
    const [db] = runbookDatabases(env);
    const withoutGlobal = {
      ...db!,
      defaultStrategy: 'latest-backup' as const,
      cluster: { ...db!.cluster!, globalClusterIdentifier: undefined },
    };
    expect(() => runbookStack({ databases: [withoutGlobal] })).toThrow(
      /databases\.claims: cluster\.clientsUseGlobalWriterEndpoint needs cluster\.globalClusterIdentifier/,
    );
  });
});
