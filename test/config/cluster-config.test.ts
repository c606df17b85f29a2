import { environment, problemsOf } from '../helpers/config';
import { App, Stack } from 'aws-cdk-lib';
import { drillFleet } from '../../lib/constructs/drill/drill-fleet';
import { names } from '../../lib/naming';
import { synthStage } from '../helpers/synth';

const cluster = (fields: Record<string, unknown>) => ({
  databases: [
    { name: 'dispensing', tier: 'critical', mode: 'create' },
    { name: 'claims', tier: 'critical', engine: 'aurora-postgresql', ...fields },
  ],
});

describe('Aurora cluster config: defaults', () => {
  test('a created cluster gets a writer and one reader, Aurora PostgreSQL 17.6, a memory-optimized class and the windows', () => {
    const db = environment(cluster({ mode: 'create' })).databases[1]!;
    expect(db).toMatchObject({
      engine: 'aurora-postgresql',
      mode: 'create',
      engineVersion: '17.6',
      instanceClass: 'db.r6g.large',
      readers: 1,
      preferredMaintenanceWindow: 'sun:06:00-sun:06:30',
      preferredBackupWindow: '04:00-04:30',
      audit: { database: 'postgres' },
    });
  });

  test('an adopted tier-1 cluster names its global database; the names follow it', () => {
    const env = environment(
      cluster({
        mode: 'adopt',
        clusterIdentifier: 'pharmacy-claims',
        globalDatabase: { globalClusterIdentifier: 'claims-global', secondaryClusterIdentifier: 'claims-west' },
      }),
    );
    const db = env.databases[1]!;
    expect(names.primarySource(env, db)).toEqual({ resource: 'cluster', identifier: 'pharmacy-claims' });
    if (db.engine !== 'aurora-postgresql') throw new Error('expected a cluster');
    expect(names.secondaryCluster(env, db)).toBe('claims-west');
    expect(names.globalCluster(env, db)).toBe('claims-global');
  });

  test('an entry without engine stays an RDS instance', () => {
    const env = environment();
    expect(names.primarySource(env, env.databases[0]!)).toEqual({ resource: 'db', identifier: 'rxdr-test-dispensing' });
  });
});

describe('Aurora cluster config: every problem names the field and the received value', () => {
  test('an unknown engine', () => {
    expect(problemsOf(cluster({ mode: 'create', engine: 'aurora-mysql' }))).toMatch(
      /databases\[1\]\.engine: engine must be "postgres" \(an RDS instance, the default\) or "aurora-postgresql" \(an Aurora cluster\) \(got "aurora-mysql"\)/,
    );
  });

  test('a bad mode names both cluster modes', () => {
    expect(problemsOf(cluster({ mode: 'import' }))).toMatch(
      /databases\[1\]\.mode: mode must be "create" \(a reference cluster\) or "adopt" \(an existing cluster\) \(got "import"\)/,
    );
  });

  test('all field problems of a created cluster at once', () => {
    const message = problemsOf(
      cluster({
        mode: 'create',
        engineVersion: '17',
        readers: 16,
        instanceClass: 'm6g.large',
        preferredBackupWindow: '04:00-04:10',
        replicaInstanceClass: 'db.r6g.large',
      }),
    );
    expect(message).toMatch(
      /databases\[1\]\.engineVersion: must be an Aurora PostgreSQL version "major\.minor" such as "17\.6" \(got "17"\)/,
    );
    expect(message).toMatch(/databases\[1\]\.readers: .* \(got 16\)/);
    expect(message).toMatch(/databases\[1\]\.instanceClass: .*\(got "m6g\.large"\)/);
    expect(message).toMatch(/databases\[1\]: unknown field "replicaInstanceClass"/);
    expect(message).toMatch(/databases\[1\]\.preferredBackupWindow: .*got "04:00-04:10"/);
  });

  test('an unsupported Aurora PostgreSQL major', () => {
    expect(problemsOf(cluster({ mode: 'create', engineVersion: '12.22' }))).toMatch(
      /databases\[1\]\.engineVersion: PostgreSQL 12 is not supported.* \(got "12\.22"\)/,
    );
  });

  test('an adopted cluster needs a valid identifier and a secret ARN', () => {
    const message = problemsOf(
      cluster({
        mode: 'adopt',
        tier: 'important',
        clusterIdentifier: '9claims',
        credentialsSecretArn: 'claims-secret',
      }),
    );
    expect(message).toMatch(
      /databases\[1\]\.clusterIdentifier: must be an Aurora DB cluster identifier.* \(got "9claims"\)/,
    );
    expect(message).toMatch(
      /databases\[1\]\.credentialsSecretArn: must be a Secrets Manager secret ARN \(got "claims-secret"\)/,
    );
  });

  test('an adopted tier-1 cluster without a global database is rejected: its standby is the secondary cluster', () => {
    expect(problemsOf(cluster({ mode: 'adopt', clusterIdentifier: 'pharmacy-claims' }))).toMatch(
      /databases\[1\]\.globalDatabase: cluster "claims": tier "critical" keeps a standby in the recovery region.*got none \(missing\)/,
    );
  });

  test('a global database or secondary class on a tier without a standby is rejected with the value', () => {
    const adopted = problemsOf(
      cluster({
        mode: 'adopt',
        tier: 'deferrable',
        clusterIdentifier: 'pharmacy-claims',
        globalDatabase: { globalClusterIdentifier: 'g', secondaryClusterIdentifier: 's' },
      }),
    );
    expect(adopted).toMatch(
      /databases\[1\]\.globalDatabase: cluster "claims": tier "deferrable" keeps no standby.*"globalClusterIdentifier":"g"/,
    );
    const created = problemsOf(cluster({ mode: 'create', tier: 'important', secondaryInstanceClass: 'db.r6g.large' }));
    expect(created).toMatch(
      /databases\[1\]\.secondaryInstanceClass: cluster "claims": tier "important" keeps no global database secondary, got "db\.r6g\.large"/,
    );
  });

  test('instance-only checks do not apply to clusters, and cluster checks do not apply to instances', () => {
    expect(() =>
      environment(cluster({ mode: 'adopt', tier: 'important', clusterIdentifier: 'pharmacy-claims' })),
    ).not.toThrow();
    expect(problemsOf({ databases: [{ name: 'x', tier: 'critical', mode: 'create', readers: 1 }] })).toMatch(
      /databases\[0\]: unknown field "readers"/,
    );
  });

  test('an environment of clusters only synthesizes, and its drill fleet holds the clusters', () => {
    const config = environment({
      databases: [
        { name: 'claims', tier: 'critical', mode: 'create', engine: 'aurora-postgresql' },
        { name: 'billing', tier: 'important', mode: 'create', engine: 'aurora-postgresql' },
      ],
    });
    const { recovery } = synthStage(config);
    expect(Object.keys(recovery.findResources('AWS::StepFunctions::StateMachine')).length).toBeGreaterThan(0);
    const fleet = drillFleet(new Stack(new App(), 'Fleet'), config);
    expect(fleet.map((db) => [db.name, db.kind])).toEqual([
      ['claims', 'cluster'],
      ['billing', 'cluster'],
    ]);
  });

  test('a cluster in a tier drilled point in time: Aurora has no replicated automated backups, so it is refused', () => {
    const perTier = problemsOf({
      ...cluster({ mode: 'create', tier: 'important' }),
      drill: { tierSources: { important: 'point-in-time' } },
    });
    expect(perTier).toMatch(
      /drill\.tierSources\.important: cluster "claims": Aurora replicates no automated backups .* got "point-in-time"/,
    );
    expect(problemsOf({ ...cluster({ mode: 'create' }), drill: { source: 'point-in-time' } })).toMatch(
      /drill\.source: cluster "claims": .*set "backup" for tier "critical".* got "point-in-time"/,
    );
    expect(() =>
      environment({
        ...cluster({ mode: 'create', tier: 'important' }),
        drill: { tierSources: { critical: 'point-in-time' } },
      }),
    ).not.toThrow();
  });
});
