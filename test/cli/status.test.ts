import {
  ListRecoveryPointsByBackupVaultCommand,
  type ListRecoveryPointsByBackupVaultCommandInput,
  type RecoveryPointByBackupVault,
} from '@aws-sdk/client-backup';
import { DescribeAlarmsCommand, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeDBClustersCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { EVIDENCE_SCHEMA_VERSION, evidenceKey } from '../../engines/evidence/schema';
import type { StatusReport } from '../../lib/cli/status/collect-status';
import { cliClock } from '../../lib/cli/clock';
import { rxdr } from '../helpers/cli';
import { CONFORMING_KEY_ARN, conformingInstances } from '../helpers/conforming-instances';
import { mockStatusClients } from '../helpers/status-clients';

const { backup, cloudwatch, s3, sts, rds, kms } = mockStatusClients();

const DB_ARN = 'arn:aws:rds:us-east-1:111111111111:db:rxdr-dev-dispensing';
/** The clock `rxdr status` is given (the monthly drill schedule runs on the 1st at 06:00 UTC). */
const NOW = new Date('2026-11-20T12:00:00.000Z');
const ago = (seconds: number): Date => new Date(NOW.getTime() - seconds * 1000);

function drillEvidence(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const started = ago(7 * 86_400).toISOString();
  return {
    schemaVersion: EVIDENCE_SCHEMA_VERSION,
    runId: 'drill-dispensing-1',
    kind: 'drill',
    environment: 'dev',
    provider: 'aws',
    database: 'dispensing',
    tier: 1,
    targets: { rtoSeconds: 3600, rpoSeconds: 300 },
    timestamps: { started, recorded: started },
    achievedRtoSeconds: 1500,
    achievedRpoSeconds: 120,
    result: 'passed',
    checks: [],
    cleanup: { status: 'deleted', resources: [] },
    startedBy: 'schedule:monthly-drill',
    toolVersion: '0.1.0',
    ...overrides,
  };
}

/** The evidence bucket holds these documents under <env>/<db>/. */
function evidence(...docs: Record<string, unknown>[]): void {
  const keyed = docs.map((doc) => ({ key: evidenceKey(doc as never), doc }));
  s3.on(ListObjectsV2Command).resolves({ Contents: keyed.map(({ key }) => ({ Key: key })) });
  for (const { key, doc } of keyed)
    s3.on(GetObjectCommand, { Key: key }).resolves({
      Body: { transformToString: async () => JSON.stringify(doc) },
    } as never);
}

function vaults(primaryAgeSeconds: number, recoveryAgeSeconds: number): void {
  backup.on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'rxdr-dev-primary' }).resolves({
    RecoveryPoints: [
      { ResourceArn: DB_ARN, Status: 'COMPLETED', CreationDate: ago(primaryAgeSeconds) },
      { ResourceArn: DB_ARN, Status: 'COMPLETED', CreationDate: ago(primaryAgeSeconds + 86_400) },
    ],
  });
  backup.on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'rxdr-dev-recovery' }).resolves({
    RecoveryPoints: [
      { ResourceArn: DB_ARN, Status: 'COMPLETED', CreationDate: ago(recoveryAgeSeconds) },
      { ResourceArn: DB_ARN, Status: 'PARTIAL', CreationDate: ago(60) },
    ],
  });
}

function replicaLag(seconds: number): void {
  cloudwatch.on(GetMetricStatisticsCommand).resolves({
    Datapoints: [
      { Timestamp: ago(180), Maximum: 900 },
      { Timestamp: ago(60), Maximum: seconds },
    ],
  });
}

/** A healthy dev environment: fresh points in both vaults, 2 s lag, a passing drill a week ago, no alarm. */
function healthy(): void {
  conformingInstances(rds, kms, { latestRestorableTime: ago(240) });
  vaults(3 * 3600, 4 * 3600);
  replicaLag(2);
  evidence(drillEvidence());
  cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
}

const realClock = cliClock.now;
afterAll(() => {
  cliClock.now = realClock;
});

beforeEach(() => {
  cliClock.now = () => NOW;
  backup.reset();
  cloudwatch.reset();
  s3.reset();
  sts.reset();
  rds.reset();
  kms.reset();
  sts.on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:sts::111111111111:assumed-role/oncall/alice' });
});

describe('rxdr status', () => {
  test('--help names every flag', async () => {
    const result = await rxdr('status', '--help');
    expect(result.code).toBe(0);
    for (const flag of ['--env <name>', '--database <name>', '--region <region>', '--profile <name>', '--json'])
      expect(result.stdout).toContain(flag);
  });

  test('a healthy environment: every line ✓, exit 0, the right vaults, replica and bucket asked', async () => {
    healthy();
    const result = await rxdr('status', '--env', 'dev');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/✓ dispensing\s+tier critical\s+RPO 5 min\s+RTO 60 min/);
    expect(result.stdout).toMatch(
      /✓ primary vault\s+newest .*, age 3\.0 h \(max 24\.0 h; rxdr-dev-primary, us-east-1\)/,
    );
    expect(result.stdout).toMatch(
      /✓ recovery vault\s+newest .*, age 4\.0 h \(max 24\.0 h; rxdr-dev-recovery, us-west-2\)/,
    );
    expect(result.stdout).toMatch(/✓ replica lag\s+2 s \(RPO 5 min; rxdr-dev-dispensing-dr\)/);
    expect(result.stdout).toMatch(/✓ last drill\s+passed .* \(drill-dispensing-1\)/);
    expect(result.stdout).toMatch(/✓ {3}drill RTO\s+25 min \(target 60 min\)/);
    expect(result.stdout).toMatch(/✓ next drill due\s+2026-12-01 06:00 UTC \(monthly on day 1, at 06:00 UTC\)/);
    expect(result.stdout).toContain('✓ no open alarms');
    expect(result.stdout).not.toContain('✗');
    const listings = backup.commandCalls(ListRecoveryPointsByBackupVaultCommand).map((c) => c.args[0].input);
    expect(listings.filter((l) => l.ByResourceArn).map((l) => [l.BackupVaultName, l.ByResourceArn])).toEqual([
      ['rxdr-dev-primary', DB_ARN],
      ['rxdr-dev-recovery', DB_ARN],
    ]);
    expect(listings.filter((l) => !l.ByResourceArn).map((l) => l.BackupVaultName)).toEqual([
      'rxdr-dev-primary',
      'rxdr-dev-recovery',
    ]);
    expect(result.stdout).toContain("✓ no recovery points of resources outside dev's configured databases");
    const lag = cloudwatch.commandCalls(GetMetricStatisticsCommand)[0]!.args[0].input;
    expect(lag).toMatchObject({
      Namespace: 'AWS/RDS',
      MetricName: 'ReplicaLag',
      Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'rxdr-dev-dispensing-dr' }],
    });
    expect(s3.commandCalls(ListObjectsV2Command)[0]!.args[0].input).toMatchObject({
      Bucket: 'rxdr-dev-evidence-111111111111-us-west-2',
      Prefix: 'dev/dispensing/',
    });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input)).toEqual([
      { StateValue: 'ALARM', AlarmNamePrefix: 'Rxdr-Dev-' },
      { StateValue: 'ALARM', AlarmNamePrefix: 'Rxdr-Dev-' },
    ]);
  });

  test('a stale recovery point in the recovery vault is flagged and exits 1', async () => {
    healthy();
    vaults(3 * 3600, 30 * 3600);
    const result = await rxdr('status', '--env', 'dev', '--database', 'dispensing');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ recovery vault\s+newest .*, age 30\.0 h \(max 24\.0 h/);
    expect(result.stdout).toMatch(/✓ primary vault/);
    expect(result.stdout).toMatch(/✗ dispensing/);
  });

  test('conformance: the source and the replica are read and every rule is met', async () => {
    healthy();
    const result = await rxdr('status', '--env', 'dev');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/✓ conformance\s+primary rxdr-dev-dispensing \(us-east-1\): every rule met/);
    expect(result.stdout).toMatch(/✓ conformance\s+replica rxdr-dev-dispensing-dr \(us-west-2\): every rule met/);
    const described = rds.commandCalls(DescribeDBInstancesCommand).map((c) => c.args[0].input.DBInstanceIdentifier);
    expect([...new Set(described)].sort()).toEqual(['rxdr-dev-dispensing', 'rxdr-dev-dispensing-dr']);
  });

  test('conformance: each finding of a drifted instance is its own ✗ line, and the command exits 1', async () => {
    healthy();
    rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'rxdr-dev-dispensing-dr' }).resolves({
      DBInstances: [
        {
          DBInstanceIdentifier: 'rxdr-dev-dispensing-dr',
          Engine: 'postgres',
          EngineVersion: '13.20',
          StorageEncrypted: true,
          KmsKeyId: CONFORMING_KEY_ARN,
          DeletionProtection: true,
          PubliclyAccessible: true,
          AutoMinorVersionUpgrade: true,
          DBParameterGroups: [{ DBParameterGroupName: 'rxdr-params', ParameterApplyStatus: 'in-sync' }],
        },
      ],
    });
    const result = await rxdr('status', '--env', 'dev');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ dispensing/);
    expect(result.stdout).toMatch(/✗ conformance\s+replica rxdr-dev-dispensing-dr \(us-west-2\)\n/);
    expect(result.stdout).toContain('      ✗ publicAccess: the instance is publicly accessible');
    expect(result.stdout).toMatch(
      / {6}✗ engineSupport: PostgreSQL 13\.20 \(major 13\) reached end of standard support/,
    );
    expect(result.stdout).toMatch(/✓ conformance\s+primary rxdr-dev-dispensing \(us-east-1\): every rule met/);
  });

  test('conformance: an instance that cannot be read is flagged with the reason, never shown as conforming', async () => {
    healthy();
    rds
      .on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'rxdr-dev-dispensing' })
      .rejects(
        Object.assign(new Error('DBInstance rxdr-dev-dispensing not found.'), { name: 'DBInstanceNotFoundFault' }),
      );
    const result = await rxdr('status', '--env', 'dev', '--json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as StatusReport;
    expect(report.databases[0]!.conformance).toEqual([
      {
        database: 'dispensing',
        role: 'primary',
        instance: 'rxdr-dev-dispensing',
        region: 'us-east-1',
        findings: [],
        error: expect.stringMatching(/rxdr-dev-dispensing \(dispensing, primary\) not found in us-east-1/),
        ok: false,
      },
      expect.objectContaining({ role: 'replica', findings: [], ok: true }),
    ]);
  });

  test('replica lag over the RPO is flagged', async () => {
    healthy();
    replicaLag(420);
    const result = await rxdr('status', '--env', 'dev');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ replica lag\s+7 min \(RPO 5 min; rxdr-dev-dispensing-dr\)/);
  });

  test('no drills yet: flagged with the command to run one; failovers in the bucket do not count', async () => {
    healthy();
    evidence(drillEvidence({ kind: 'failover', runId: 'failover-1' }));
    const result = await rxdr('status', '--env', 'dev');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /✗ last drill\s+no drill yet: run `rxdr drill start --env dev --database dispensing`/,
    );
  });

  test('a database whose scheduled drill passed without one is overdue: flagged with the date it was due', async () => {
    healthy();
    evidence(
      drillEvidence({
        timestamps: { started: ago(60 * 86_400).toISOString(), recorded: ago(60 * 86_400).toISOString() },
      }),
    );
    const result = await rxdr('status', '--env', 'dev');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /✗ next drill due\s+2026-10-01 06:00 UTC — OVERDUE \(monthly on day 1, at 06:00 UTC\)/,
    );
    expect(result.stdout).toMatch(/✗ dispensing/);
  });

  test('--json carries lastDrill, nextDrillDue and overdue per database, judged by the injected clock', async () => {
    healthy();
    // GIVEN the last drill ran on 1 Nov and the clock reads 20 Nov: the next is due on 1 Dec
    const novemberDrill = '2026-11-01T06:00:05.000Z';
    evidence(drillEvidence({ timestamps: { started: novemberDrill, recorded: novemberDrill } }));
    const onTime = JSON.parse((await rxdr('status', '--env', 'dev', '--json')).stdout) as StatusReport;
    expect(onTime.generatedAt).toBe(NOW.toISOString());
    expect(onTime.databases[0]).toMatchObject({
      lastDrill: { started: novemberDrill },
      drillCadence: 'monthly on day 1, at 06:00 UTC',
      nextDrillDue: '2026-12-01T06:00:00.000Z',
      overdue: false,
      ok: true,
    });
    // WHEN the clock moves past 1 Dec plus the drill's 6 h time limit with no new drill
    cliClock.now = () => new Date('2026-12-01T12:00:01.000Z');
    vaults(3 * 3600 - 11 * 86_400, 4 * 3600 - 11 * 86_400);
    const late = await rxdr('status', '--env', 'dev', '--json');
    // THEN the database is overdue, and that alone makes the command exit 1
    expect(late.code).toBe(1);
    expect((JSON.parse(late.stdout) as StatusReport).databases[0]).toMatchObject({
      nextDrillDue: '2026-12-01T06:00:00.000Z',
      overdue: true,
      ok: false,
    });
    // AND a database that was never drilled has no next date: it is due now
    evidence();
    const never = JSON.parse((await rxdr('status', '--env', 'dev', '--json')).stdout) as StatusReport;
    expect(never.databases[0]).toMatchObject({ lastDrill: null, nextDrillDue: null, overdue: true });
  });

  test('open alarms are listed and flagged', async () => {
    healthy();
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        {
          AlarmName: 'Rxdr-Dev-Standby-ReplicaLag-1',
          StateReason: 'Threshold crossed',
          StateUpdatedTimestamp: new Date('2026-03-03T03:00:00Z'),
        },
      ],
    });
    const result = await rxdr('status', '--env', 'dev');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      '✗ alarm Rxdr-Dev-Standby-ReplicaLag-1 (us-east-1) since 2026-03-03T03:00:00.000Z: Threshold crossed',
    );
  });

  test('missing credentials exit 2 and say how to configure them, before anything else is read', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(
        Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      );
    const result = await rxdr('status', '--env', 'dev', '--profile', 'rx-dev');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /no AWS credentials found for profile "rx-dev": run `aws sso login --profile rx-dev`, set AWS_PROFILE, or pass --profile <name>/,
    );
    expect(backup.calls()).toHaveLength(0);
  });

  test('an unknown environment exits 2 listing the known ones, before any AWS call', async () => {
    const result = await rxdr('status', '--env', 'prdo');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown environment "prdo"; configured environments: dev, staging, prod/);
    expect(sts.calls()).toHaveLength(0);
  });

  test('a region that cannot be read is reported against its check, not as a crash', async () => {
    healthy();
    backup
      .on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'rxdr-dev-primary' })
      .rejects(Object.assign(new Error('getaddrinfo ENOTFOUND backup.us-east-1.amazonaws.com'), { name: 'Error' }));
    const result = await rxdr('status', '--env', 'dev', '--json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as StatusReport;
    expect(report.databases[0]!.vaults[0]).toMatchObject({
      role: 'primary',
      ok: false,
      newest: null,
      error: expect.stringMatching(/cannot reach AWS in us-east-1/),
    });
    expect(report.databases[0]!.vaults[1]).toMatchObject({ role: 'recovery', ok: true });
  });

  test("restorable time: each primary's latest restorable time; older than the RPO of a point-in-time tier is ✗", async () => {
    healthy();
    conformingInstances(rds, kms, { latestRestorableTime: ago(600) });
    const result = await rxdr('status', '--env', 'dev');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /✗ restorable to\s+2026-11-20T11:50:00\.000Z, age 10 min \(RPO 5 min; instance rxdr-dev-dispensing, us-east-1\)/,
    );
    expect(result.stdout).toMatch(/✗ dispensing/);
    const asked = rds.commandCalls(DescribeDBInstancesCommand).map((c) => c.args[0].input.DBInstanceIdentifier);
    expect(asked).toContain('rxdr-dev-dispensing');
  });

  test('restorable time: within the RPO is ✓; a primary without one is ✗ for a point-in-time tier', async () => {
    healthy();
    expect((await rxdr('status', '--env', 'dev')).stdout).toMatch(
      /✓ restorable to\s+2026-11-20T11:56:00\.000Z, age 4 min \(RPO 5 min; instance rxdr-dev-dispensing, us-east-1\)/,
    );
    conformingInstances(rds, kms);
    const result = await rxdr('status', '--env', 'dev');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ restorable to\s+no restorable time: are automated backups on\?/);
  });

  test('restorable time of a tier without point-in-time recovery is reported, not judged', async () => {
    healthy();
    conformingInstances(rds, kms, { latestRestorableTime: ago(3 * 86_400) });
    const result = await rxdr('status', '--env', 'prod', '--database', 'analytics', '--json');
    const [analytics] = (JSON.parse(result.stdout) as StatusReport).databases;
    expect(analytics!.restorable).toMatchObject({
      kind: 'instance',
      ageSeconds: 3 * 86_400,
      targetSeconds: null,
      ok: true,
    });
  });

  describe('an Aurora cluster with a global database (staging adjudication)', () => {
    const CLUSTER_ARN = 'arn:aws:rds:us-east-1:222222222222:cluster:rxdr-staging-adjudication';
    function cluster(globalLagMs: number): void {
      healthy();
      backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [] });
      backup
        .on(ListRecoveryPointsByBackupVaultCommand, { ByResourceArn: CLUSTER_ARN })
        .resolves({ RecoveryPoints: [{ ResourceArn: CLUSTER_ARN, Status: 'COMPLETED', CreationDate: ago(3600) }] });
      cloudwatch.on(GetMetricStatisticsCommand, { MetricName: 'ReplicaLag' }).resolves({ Datapoints: [] });
      cloudwatch
        .on(GetMetricStatisticsCommand, { MetricName: 'AuroraGlobalDBReplicationLag' })
        .resolves({ Datapoints: [{ Timestamp: ago(60), Maximum: globalLagMs }] });
      evidence(drillEvidence({ database: 'adjudication', environment: 'staging', runId: 'drill-adjudication-1' }));
    }

    test("the secondary's AuroraGlobalDBReplicationLag (ms) is read per cluster and held against the RPO", async () => {
      cluster(2400);
      const result = await rxdr('status', '--env', 'staging', '--database', 'adjudication');
      expect(result.stdout).toMatch(/✓ global lag\s+2 s \(RPO 5 min; rxdr-staging-adjudication-dr\)/);
      expect(result.stdout).toMatch(
        /✓ restorable to\s+.*, age 4 min \(RPO 5 min; cluster rxdr-staging-adjudication, us-east-1\)/,
      );
      // The database is ✓ (staging's on-call roster has no records in these mocks, so the command exits 1).
      expect(result.stdout).toMatch(/^✓ adjudication\s+tier critical/m);
      const metrics = cloudwatch.commandCalls(GetMetricStatisticsCommand).map((c) => c.args[0].input);
      expect(metrics).toEqual([
        expect.objectContaining({
          Namespace: 'AWS/RDS',
          MetricName: 'AuroraGlobalDBReplicationLag',
          Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'rxdr-staging-adjudication-dr' }],
        }),
      ]);
      const clusters = rds.commandCalls(DescribeDBClustersCommand).map((c) => c.args[0].input.DBClusterIdentifier);
      expect(clusters).toContain('rxdr-staging-adjudication');
    });

    test('global lag over the RPO is ✗ and exits 1; --json names the secondary cluster and the metric', async () => {
      cluster(420_000);
      const result = await rxdr('status', '--env', 'staging', '--database', 'adjudication');
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/✗ global lag\s+7 min \(RPO 5 min; rxdr-staging-adjudication-dr\)/);
      const json = await rxdr('status', '--env', 'staging', '--database', 'adjudication', '--json');
      const [adjudication] = (JSON.parse(json.stdout) as StatusReport).databases;
      expect(adjudication).toMatchObject({
        name: 'adjudication',
        replica: {
          kind: 'cluster',
          identifier: 'rxdr-staging-adjudication-dr',
          metric: 'AuroraGlobalDBReplicationLag',
          region: 'us-west-2',
          lagSeconds: 420,
          targetSeconds: 300,
          ok: false,
        },
        restorable: { kind: 'cluster', identifier: 'rxdr-staging-adjudication', ageSeconds: 240, ok: true },
        ok: false,
      });
    });
  });

  test('--json prints the documented shape', async () => {
    healthy();
    backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [] });
    backup
      .on(ListRecoveryPointsByBackupVaultCommand, {
        ByResourceArn: 'arn:aws:rds:us-east-1:222222222222:db:rxdr-staging-dispensing',
      })
      .resolves({ RecoveryPoints: [{ Status: 'COMPLETED', CreationDate: ago(3600) }] });
    const result = await rxdr('status', '--env', 'staging', '--json');
    expect(result.code).toBe(1); // staging's inventory has no recovery points in these mocks
    const report = JSON.parse(result.stdout) as StatusReport;
    expect(Object.keys(report).sort()).toEqual([
      'alarmErrors',
      'alarms',
      'databases',
      'environment',
      'foreignRecoveryPointErrors',
      'foreignRecoveryPoints',
      'generatedAt',
      'ok',
      'primaryRegion',
      'readiness',
      'recoveryRegion',
    ]);
    expect(report).toMatchObject({
      environment: 'staging',
      primaryRegion: 'us-east-1',
      recoveryRegion: 'us-west-2',
      ok: false,
      alarms: [],
      alarmErrors: [],
    });
    expect(report).toMatchObject({ foreignRecoveryPoints: [], foreignRecoveryPointErrors: [] });
    const [dispensing, inventory] = report.databases;
    expect(dispensing).toMatchObject({
      name: 'dispensing',
      tier: 'critical',
      rtoSeconds: 3600,
      rpoSeconds: 300,
      vaults: [
        {
          role: 'primary',
          vault: 'rxdr-staging-primary',
          region: 'us-east-1',
          ageSeconds: 3600,
          maxAgeSeconds: 86_400,
          ok: true,
        },
        {
          role: 'recovery',
          vault: 'rxdr-staging-recovery',
          region: 'us-west-2',
          ageSeconds: 3600,
          maxAgeSeconds: 86_400,
          ok: true,
        },
      ],
      replica: {
        kind: 'instance',
        identifier: 'rxdr-staging-dispensing-dr',
        metric: 'ReplicaLag',
        region: 'us-west-2',
        lagSeconds: 2,
        targetSeconds: 300,
        ok: true,
      },
      restorable: {
        kind: 'instance',
        identifier: 'rxdr-staging-dispensing',
        region: 'us-east-1',
        latestRestorableTime: ago(240).toISOString(),
        ageSeconds: 240,
        targetSeconds: 300,
        ok: true,
      },
      lastDrill: {
        runId: 'drill-dispensing-1',
        result: 'passed',
        achievedRtoSeconds: 1500,
        achievedRpoSeconds: 120,
        rtoOk: true,
        rpoOk: true,
      },
      ok: true,
    });
    expect(inventory).toMatchObject({
      name: 'inventory',
      tier: 'important',
      rpoSeconds: 3600,
      replica: null,
      ok: false,
    });
    expect(inventory!.vaults[0]).toMatchObject({
      newest: null,
      ageSeconds: null,
      ok: false,
      error: expect.stringMatching(
        /no completed recovery point of arn:aws:rds:us-east-1:222222222222:db:pharmacy-inventory-staging/,
      ),
    });
  });
});

describe("rxdr status: recovery points of resources that are not the environment's databases", () => {
  const STAGING_ARN = 'arn:aws:rds:us-east-1:111111111111:db:rxdr-staging-dispensing';
  const SCRATCH_ARN = 'arn:aws:rds:us-east-1:111111111111:db:scratch-copy-of-prod';
  const point = (resourceArn: string, created: Date, id: string): RecoveryPointByBackupVault => ({
    RecoveryPointArn: `arn:aws:rds:us-east-1:111111111111:snapshot:awsbackup:job-${id}`,
    ResourceArn: resourceArn,
    ResourceType: 'RDS',
    Status: 'COMPLETED',
    CreationDate: created,
  });
  const at = (time: string): Date => new Date(`2026-03-01T${time}Z`);

  /**
   * Vaults as AWS Backup serves them: `ByResourceArn` filters, and the listing comes in pages of two
   * (NextToken), so a point of another resource on a later page is found too.
   */
  function vaultContents(contents: Record<string, RecoveryPointByBackupVault[]>): void {
    backup
      .on(ListRecoveryPointsByBackupVaultCommand)
      .callsFake((input: ListRecoveryPointsByBackupVaultCommandInput) => {
        const all = (contents[input.BackupVaultName ?? ''] ?? []).filter(
          (p) => !input.ByResourceArn || p.ResourceArn === input.ByResourceArn,
        );
        const start = Number(input.NextToken ?? 0);
        const next = start + 2 < all.length ? String(start + 2) : undefined;
        return { RecoveryPoints: all.slice(start, start + 2), NextToken: next };
      });
  }

  test('each foreign source is flagged per vault with its count and newest point, and the command exits 1', async () => {
    // GIVEN dev's vaults hold fresh points of dev's database, and also staging's database and a scratch copy
    healthy();
    vaultContents({
      'rxdr-dev-primary': [
        point(DB_ARN, ago(3 * 3600), 'a'),
        point(DB_ARN, ago(27 * 3600), 'b'),
        point(STAGING_ARN, at('05:00:00'), 'c'),
        point(STAGING_ARN, at('07:00:00'), 'd'),
      ],
      'rxdr-dev-recovery': [point(DB_ARN, ago(4 * 3600), 'e'), point(SCRATCH_ARN, at('01:00:00'), 'f')],
    });
    // WHEN status runs for one database (the check is environment-wide)
    const result = await rxdr('status', '--env', 'dev', '--database', 'dispensing');
    // THEN every database line is ✓, the foreign points are ✗, and the exit code says something is flagged
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✓ dispensing/);
    expect(result.stdout).toContain(
      `✗ 2 recovery points of ${STAGING_ARN}, not a dev database, in rxdr-dev-primary (us-east-1), newest 2026-03-01T07:00:00.000Z`,
    );
    expect(result.stdout).toContain(
      `✗ 1 recovery point of ${SCRATCH_ARN}, not a dev database, in rxdr-dev-recovery (us-west-2), newest 2026-03-01T01:00:00.000Z`,
    );
    expect(result.stdout).not.toContain('✓ no recovery points of resources outside');
  });

  test('--json lists them with every recovery point ARN', async () => {
    healthy();
    vaultContents({
      'rxdr-dev-primary': [
        point(DB_ARN, ago(3 * 3600), 'a'),
        point(STAGING_ARN, at('05:00:00'), 'c'),
        point(STAGING_ARN, at('07:00:00'), 'd'),
      ],
      'rxdr-dev-recovery': [point(DB_ARN, ago(4 * 3600), 'e')],
    });
    const result = await rxdr('status', '--env', 'dev', '--json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as StatusReport;
    expect(report.ok).toBe(false);
    expect(report.databases[0]!.ok).toBe(true);
    expect(report.foreignRecoveryPoints).toEqual([
      {
        role: 'primary',
        vault: 'rxdr-dev-primary',
        region: 'us-east-1',
        resourceArn: STAGING_ARN,
        resourceType: 'RDS',
        count: 2,
        newest: '2026-03-01T07:00:00.000Z',
        recoveryPointArns: [
          'arn:aws:rds:us-east-1:111111111111:snapshot:awsbackup:job-c',
          'arn:aws:rds:us-east-1:111111111111:snapshot:awsbackup:job-d',
        ],
      },
    ]);
    expect(report.foreignRecoveryPointErrors).toEqual([]);
  });

  test("copies of the environment's own databases are not flagged (created and adopted)", async () => {
    const inventory = 'arn:aws:rds:us-east-1:222222222222:db:pharmacy-inventory-staging';
    const dispensing = 'arn:aws:rds:us-east-1:222222222222:db:rxdr-staging-dispensing';
    healthy();
    vaultContents({
      'rxdr-staging-primary': [point(dispensing, ago(3600), 'a'), point(inventory, ago(3600), 'b')],
      'rxdr-staging-recovery': [point(dispensing, ago(3600), 'c'), point(inventory, ago(3600), 'd')],
    });
    const result = await rxdr('status', '--env', 'staging', '--json');
    const report = JSON.parse(result.stdout) as StatusReport;
    expect(report.foreignRecoveryPoints).toEqual([]);
    expect(report.foreignRecoveryPointErrors).toEqual([]);
  });

  test('a vault that cannot be listed is a ✗ for this check, not a crash', async () => {
    healthy();
    backup.on(ListRecoveryPointsByBackupVaultCommand, { BackupVaultName: 'rxdr-dev-recovery' }).rejects(
      Object.assign(new Error('User is not authorized to perform: backup:ListRecoveryPointsByBackupVault'), {
        name: 'AccessDeniedException',
      }),
    );
    const result = await rxdr('status', '--env', 'dev');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ recovery points in rxdr-dev-recovery \(us-west-2\) unreadable: .*not authorized/);
  });
});
