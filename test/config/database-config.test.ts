import { cidrProblem, overlappingCidrs, windowsOverlap } from '../../lib/config/database-protection';
import { environment, parsing } from '../helpers/config';
import { isInstance } from '../../lib/config/database-kind';

const created = (fields: Record<string, unknown>) => ({
  databases: [{ name: 'dispensing', tier: 'critical', mode: 'create', ...fields }],
});

describe('RDS protection config: defaults', () => {
  test('a created database gets maintenance and backup windows; the environment gets two non-overlapping VPCs and a year of logs', () => {
    const env = environment();
    expect(env.databaseProtection).toEqual({
      primaryVpcCidr: '10.80.0.0/16',
      recoveryVpcCidr: '10.81.0.0/16',
      logRetentionDays: 365,
    });
    const db = env.databases[0]!;
    expect(
      db.mode === 'create' &&
        isInstance(db) && [db.preferredMaintenanceWindow, db.preferredBackupWindow, db.replicaInstanceClass],
    ).toEqual(['sun:06:00-sun:06:30', '04:00-04:30', undefined]);
  });

  test('an adopted database may name its replica instance class', () => {
    const env = environment({
      databases: [
        {
          name: 'claims',
          tier: 'critical',
          mode: 'adopt',
          instanceIdentifier: 'claims',
          engineVersion: '16',
          replicaInstanceClass: 'db.r7g.large',
        },
      ],
    });
    expect(env.databases[0]).toMatchObject({ replicaInstanceClass: 'db.r7g.large' });
  });
});

describe('RDS protection config: every problem names the field and the received value', () => {
  test('a VPC CIDR that is not a CIDR', () => {
    expect(parsing({ databaseProtection: { primaryVpcCidr: '10.80.0.0' } })).toThrow(
      /databaseProtection\.primaryVpcCidr: must be an IPv4 CIDR block such as "10\.80\.0\.0\/16", got "10\.80\.0\.0"/,
    );
  });

  test('a VPC CIDR too large or too small for per-AZ subnets', () => {
    expect(parsing({ databaseProtection: { primaryVpcCidr: '10.0.0.0/8' } })).toThrow(
      /primaryVpcCidr: the prefix must be \/16 to \/24.*found \/8, got "10\.0\.0\.0\/8"/,
    );
    expect(parsing({ databaseProtection: { recoveryVpcCidr: '10.81.0.0/26' } })).toThrow(
      /recoveryVpcCidr: the prefix must be \/16 to \/24.*found \/26/,
    );
  });

  test('a VPC CIDR with host bits set', () => {
    expect(parsing({ databaseProtection: { primaryVpcCidr: '10.80.1.0/16' } })).toThrow(
      /primaryVpcCidr: host bits are set; the block starts at 10\.80\.0\.0\/16, got "10\.80\.1\.0\/16"/,
    );
  });

  test('a public VPC CIDR', () => {
    expect(parsing({ databaseProtection: { recoveryVpcCidr: '8.8.0.0/16' } })).toThrow(
      /recoveryVpcCidr: must be a private \(RFC 1918\) range.*got "8\.8\.0\.0\/16"/,
    );
  });

  test('overlapping primary and recovery VPCs', () => {
    expect(
      parsing({ databaseProtection: { primaryVpcCidr: '10.80.0.0/16', recoveryVpcCidr: '10.80.128.0/20' } }),
    ).toThrow(
      /databaseProtection\.recoveryVpcCidr: must not overlap primaryVpcCidr "10\.80\.0\.0\/16", got "10\.80\.128\.0\/20"/,
    );
  });

  test('a log retention CloudWatch Logs does not offer', () => {
    expect(parsing({ databaseProtection: { logRetentionDays: 100 } })).toThrow(
      /databaseProtection\.logRetentionDays: must be a CloudWatch Logs retention \(1, 3, .*\), got 100/,
    );
  });

  test('a malformed or too short maintenance window', () => {
    expect(parsing(created({ preferredMaintenanceWindow: 'sunday 06:00' }))).toThrow(
      /databases\[0\]\.preferredMaintenanceWindow: must look like "sun:06:00-sun:06:30".*got "sunday 06:00"/,
    );
    expect(parsing(created({ preferredMaintenanceWindow: 'sun:06:00-sun:06:10' }))).toThrow(
      /preferredMaintenanceWindow: must be at least 30 minutes long, found 10, got "sun:06:00-sun:06:10"/,
    );
  });

  test('a malformed or too short backup window', () => {
    expect(parsing(created({ preferredBackupWindow: '4-5' }))).toThrow(
      /databases\[0\]\.preferredBackupWindow: must look like "04:00-04:30".*got "4-5"/,
    );
    expect(parsing(created({ preferredBackupWindow: '23:50-00:10' }))).toThrow(
      /preferredBackupWindow: must be at least 30 minutes long, found 20/,
    );
  });

  test('a maintenance window overlapping the daily backup window', () => {
    expect(
      parsing(created({ preferredMaintenanceWindow: 'tue:04:15-tue:05:00', preferredBackupWindow: '04:00-04:30' })),
    ).toThrow(
      /databases\[0\]\.preferredMaintenanceWindow: must not overlap the backup window "04:00-04:30", got "tue:04:15-tue:05:00"/,
    );
  });

  test('a malformed replica instance class', () => {
    expect(parsing(created({ replicaInstanceClass: 'm7g.large' }))).toThrow(
      /databases\[0\]\.replicaInstanceClass: must be an RDS instance class such as "db\.t4g\.medium" \(got "m7g\.large"\)/,
    );
  });

  test('all problems are listed at once', () => {
    expect(
      parsing({
        databaseProtection: { primaryVpcCidr: 'x', logRetentionDays: 2 },
        ...created({ preferredBackupWindow: 'y' }),
      }),
    ).toThrow(/3 problems/);
  });
});

describe('RDS protection config helpers', () => {
  test('CIDR checks', () => {
    expect(cidrProblem('172.16.0.0/16')).toBeUndefined();
    expect(cidrProblem('192.168.10.0/24')).toBeUndefined();
    expect(cidrProblem('300.1.0.0/16')).toMatch(/IPv4 CIDR/);
    expect(overlappingCidrs('10.80.0.0/16', '10.81.0.0/16')).toBe(false);
    expect(overlappingCidrs('10.0.0.0/16', '10.0.255.0/24')).toBe(true);
  });

  test('window overlap wraps around midnight and the end of the week', () => {
    expect(windowsOverlap('sun:23:45-mon:00:30', '00:00-00:30')).toBe(true);
    expect(windowsOverlap('sat:23:00-sun:00:00', '00:00-00:30')).toBe(false);
    expect(windowsOverlap('sun:06:00-sun:06:30', '04:00-04:30')).toBe(false);
    expect(windowsOverlap('mon:03:00-mon:04:01', '04:00-04:30')).toBe(true);
  });
});

describe('RDS protection config: read replicas of adopted databases', () => {
  test('an adopted database in a tier with a read replica must name the replica instance class', () => {
    expect(
      parsing({
        databases: [{ name: 'claims', tier: 'critical', mode: 'adopt', instanceIdentifier: 'pharmacy-claims' }],
      }),
    ).toThrow(
      /databases\[0\]\.replicaInstanceClass: tier "critical" keeps a cross-region read replica: name its instance class.*got none/,
    );
  });

  test('an adopted database in a tier with a read replica must name its engine version (the replica parameter group family)', () => {
    expect(
      parsing({
        databases: [
          {
            name: 'claims',
            tier: 'critical',
            mode: 'adopt',
            instanceIdentifier: 'pharmacy-claims',
            replicaInstanceClass: 'db.r7g.large',
          },
        ],
      }),
    ).toThrow(
      /databases\[0\]\.engineVersion: database "claims": tier "critical" keeps a cross-region read replica.*rds\.force_ssl=1, pgaudit.*name the adopted instance's PostgreSQL major version \(e\.g\. "16"\), got none/,
    );
    expect(
      parsing({
        databases: [
          {
            name: 'claims',
            tier: 'critical',
            mode: 'adopt',
            instanceIdentifier: 'c',
            engineVersion: 'sixteen',
            replicaInstanceClass: 'db.r7g.large',
          },
        ],
      }),
    ).toThrow(/databases\[0\]\.engineVersion: must be a PostgreSQL version such as "17" or "17\.6"/);
    expect(
      environment({ databases: [{ name: 'inventory', tier: 'important', mode: 'adopt', instanceIdentifier: 'inv' }] })
        .databases[0],
    ).not.toHaveProperty('engineVersion');
  });

  test('a tier override that turns the replica on applies the same rule; tiers without a replica need nothing', () => {
    expect(
      parsing({
        tiers: { important: { crossRegionReadReplica: true, failoverStrategy: 'promote-replica' } },
        databases: [{ name: 'inventory', tier: 'important', mode: 'adopt', instanceIdentifier: 'inv' }],
      }),
    ).toThrow(/databases\[0\]\.replicaInstanceClass: tier "important" keeps a cross-region read replica/);
    expect(
      parsing({ databases: [{ name: 'inventory', tier: 'important', mode: 'adopt', instanceIdentifier: 'inv' }] }),
    ).not.toThrow();
  });
});
