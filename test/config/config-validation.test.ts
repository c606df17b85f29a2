import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadConfigFile, parseConfig, selectEnvironments } from '../../lib/config/load';
import { environment, environmentInput, problemsOf, shippedConfig } from '../helpers/config';
import { tempDir } from '../helpers/temp-dir';
import { isInstance } from '../../lib/config/database-kind';

describe('shipped configuration', () => {
  test('dev, staging and prod are valid and resolve their tiers', () => {
    const config = shippedConfig();
    expect(config.environments.map((e) => e.name)).toEqual(['dev', 'staging', 'prod']);
    for (const env of config.environments) {
      expect(env.account).toMatch(/^(\d)\1{11}$/); // documented example ids only
      expect(env.primaryRegion).toBe('us-east-1');
      expect(env.recoveryRegion).toBe('us-west-2');
      for (const db of env.databases) expect(db.tierPreset.rtoMinutes).toBeGreaterThan(0);
    }
  });

  test('prod defaults to compliance-mode vault lock and Multi-AZ reference instances', () => {
    const prod = shippedConfig().environments.find((e) => e.name === 'prod')!;
    expect(prod.vaultLock).toEqual({ mode: 'compliance', changeableForDays: 3 });
    const created = prod.databases.find((db) => db.mode === 'create');
    expect(created && created.mode === 'create' && isInstance(created) && created.multiAz).toBe(true);
  });
});

describe('defaults', () => {
  test('an environment gets the docs/domain.md retention, a monthly drill and the default tiers', () => {
    const env = environment();
    expect(env.retention).toEqual({ continuousDays: 35, dailyDays: 35, monthlyDays: 3650, evidenceDays: 2190 });
    expect(env.drill.schedule).toBe('cron(0 6 1 * ? *)');
    expect(env.vaultLock.mode).toBe('governance');
    expect(env.dataClassification).toBe('phi');
    expect(Object.keys(env.tiers)).toEqual(['critical', 'important', 'deferrable']);
    expect(env.tiers.critical).toMatchObject({ rtoMinutes: 60, rpoMinutes: 5, crossRegionReadReplica: true });
  });

  test('a tier override changes only the fields it names; a new tier can be added', () => {
    const env = environment({
      tiers: {
        critical: { rtoMinutes: 30 },
        archive: {
          rtoMinutes: 2880,
          rpoMinutes: 1440,
          drPattern: 'backup-restore',
          continuousBackup: false,
          snapshotFrequency: 'daily',
          crossRegionReadReplica: false,
          failoverStrategy: 'latest-backup',
        },
      },
      databases: [{ name: 'old-claims', tier: 'archive', mode: 'adopt', instanceIdentifier: 'old-claims' }],
    });
    expect(env.tiers.critical).toMatchObject({ rtoMinutes: 30, rpoMinutes: 5 });
    expect(env.databases[0]!.tierPreset.rtoMinutes).toBe(2880);
  });
});

describe('each validation rule names the environment, the field and the value', () => {
  test('malformed account id', () => {
    expect(problemsOf({ account: '12345' })).toMatch(
      /environments\.prod\.account: must be a 12-digit AWS account id \(got "12345"\)/,
    );
  });

  test('recovery region equal to the primary region', () => {
    expect(problemsOf({ recoveryRegion: 'us-east-1' })).toMatch(
      /environments\.prod\.recoveryRegion: must differ from primaryRegion "us-east-1" \(got "us-east-1"\)/,
    );
  });

  test('unknown region', () => {
    expect(problemsOf({ primaryRegion: 'us-east1' })).toMatch(
      /environments\.prod\.primaryRegion: must be a known AWS region .*\(got "us-east1"\)/,
    );
  });

  test('unknown tier', () => {
    expect(problemsOf({ databases: [{ name: 'a', tier: 'gold', mode: 'create' }] })).toMatch(
      /environments\.prod\.databases\[0\]\.tier: unknown tier; known tiers: critical, important, deferrable \(got "gold"\)/,
    );
  });

  test('duplicate database names', () => {
    const databases = [
      { name: 'claims', tier: 'critical', mode: 'create' },
      { name: 'claims', tier: 'important', mode: 'adopt', instanceIdentifier: 'claims-2' },
    ];
    expect(problemsOf({ databases })).toMatch(
      /environments\.prod\.databases\[1\]\.name: duplicate database name \(also databases\[0\]\) \(got "claims"\)/,
    );
  });

  test('retention shorter than the minimum without a waiver', () => {
    expect(problemsOf({ retention: { monthlyDays: 365 } })).toMatch(
      /environments\.prod\.retention\.monthlyDays: 365 days is below the 3650-day minimum \(Medicare Part D.*add a retentionWaivers entry with a reason \(got 365\)/,
    );
    expect(problemsOf({ retention: { evidenceDays: 100 } })).toMatch(
      /retention\.evidenceDays: 100 days is below the 2190-day minimum \(HIPAA/,
    );
  });

  test('a reasoned waiver allows shorter retention, but not below its own minimum', () => {
    const waiver = {
      recoveryPointClass: 'monthly',
      minimumDays: 90,
      reason: 'synthetic data only, no patient records in this account',
    };
    expect(environment({ retention: { monthlyDays: 90 }, retentionWaivers: [waiver] }).retention.monthlyDays).toBe(90);
    expect(problemsOf({ retention: { monthlyDays: 30 }, retentionWaivers: [waiver] })).toMatch(
      /retention\.monthlyDays: 30 days is below the waiver's minimumDays 90 \(got 30\)/,
    );
  });

  test('a waiver without a real reason is rejected', () => {
    const waiver = { recoveryPointClass: 'monthly', minimumDays: 90, reason: 'dev' };
    expect(problemsOf({ retention: { monthlyDays: 90 }, retentionWaivers: [waiver] })).toMatch(
      /retentionWaivers\[0\]\.reason: a waiver needs a reason of at least 20 characters \(got "dev"\)/,
    );
  });

  test('continuous backup retention above the AWS maximum', () => {
    expect(problemsOf({ retention: { continuousDays: 60 } })).toMatch(
      /retention\.continuousDays: AWS Backup keeps continuous backups at most 35 days \(got 60\)/,
    );
  });

  test('RPO smaller than the backup frequency can deliver', () => {
    expect(problemsOf({ tiers: { deferrable: { rpoMinutes: 60 } } })).toMatch(
      /environments\.prod\.tiers\.deferrable\.rpoMinutes: an RPO of 60 min cannot be met: daily snapshots deliver at best 1440 min.*\(got 60\)/,
    );
    expect(problemsOf({ tiers: { important: { rpoMinutes: 2 } } })).toMatch(
      /tiers\.important\.rpoMinutes: an RPO of 2 min cannot be met: daily snapshots and continuous backup deliver at best 5 min/,
    );
    // Hourly snapshots can deliver a 60-minute RPO.
    expect(
      environment({ tiers: { deferrable: { rpoMinutes: 60, snapshotFrequency: 'hourly' } } }).tiers.deferrable!
        .rpoMinutes,
    ).toBe(60);
  });

  test('a failover strategy the tier cannot support', () => {
    expect(problemsOf({ tiers: { important: { failoverStrategy: 'promote-replica' } } })).toMatch(
      /tiers\.important\.failoverStrategy: promote-replica needs crossRegionReadReplica: true/,
    );
  });

  test('invalid drill schedule expression', () => {
    expect(problemsOf({ drill: { schedule: 'monthly' } })).toMatch(
      /environments\.prod\.drill\.schedule: invalid schedule expression: expected cron\(.*\(got "monthly"\)/,
    );
    expect(problemsOf({ drill: { schedule: 'cron(0 25 1 * ? *)' } })).toMatch(
      /drill\.schedule: invalid schedule expression: hours must be 0-23, got "25"/,
    );
  });

  test('Vault Lock compliance mode with a cooling-off under 72 hours', () => {
    expect(problemsOf({ vaultLock: { mode: 'compliance', changeableForDays: 2 } })).toMatch(
      /environments\.prod\.vaultLock\.changeableForDays: compliance mode needs a cooling-off of at least 72 hours \(3 days\); 2 days is 48 hours \(got 2\)/,
    );
    expect(problemsOf({ production: true, vaultLock: { changeableForDays: 1 } })).toMatch(
      /vaultLock\.changeableForDays: compliance mode needs/,
    );
    expect(environment({ vaultLock: { mode: 'governance', changeableForDays: 1 } }).vaultLock.mode).toBe('governance');
  });

  test('isolated backup account equal to the workload account', () => {
    expect(problemsOf({ isolatedBackup: { account: '111111111111', vaultName: 'iso' } })).toMatch(
      /isolatedBackup\.account: must be a different account/,
    );
  });

  test('unknown fields are named instead of ignored', () => {
    expect(problemsOf({ recoveryRegions: 'us-west-2' })).toMatch(/environments\.prod: unknown field "recoveryRegions"/);
  });

  test('database mode must be create or adopt', () => {
    expect(problemsOf({ databases: [{ name: 'a', tier: 'critical', mode: 'import' }] })).toMatch(
      /databases\[0\]\.mode: mode must be "create".*"adopt"/,
    );
  });
});

test('a configuration with several problems lists every one of them in one error', () => {
  const bad = {
    environments: {
      prod: environmentInput({
        account: 'abc',
        recoveryRegion: 'us-east-1',
        databases: [
          { name: 'claims', tier: 'platinum', mode: 'create' },
          { name: 'claims', tier: 'critical', mode: 'create' },
        ],
        retention: { dailyDays: 7 },
        vaultLock: { mode: 'compliance', changeableForDays: 1 },
        drill: { schedule: 'cron(bad)' },
      }),
      staging: environmentInput({ primaryRegion: 'mars-north-1', tiers: { deferrable: { rpoMinutes: 10 } } }),
    },
  };
  let message = '';
  try {
    parseConfig(bad, 'bad.json');
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toMatch(/^Invalid rxdr configuration in bad\.json \(9 problems\):/);
  for (const expected of [
    'environments.prod.account',
    'environments.prod.recoveryRegion',
    'environments.prod.databases[0].tier',
    'environments.prod.databases[1].name',
    'environments.prod.retention.dailyDays',
    'environments.prod.vaultLock.changeableForDays',
    'environments.prod.drill.schedule',
    'environments.staging.primaryRegion',
    'environments.staging.tiers.deferrable.rpoMinutes',
  ]) {
    expect(message).toContain(`  - ${expected}:`);
  }
});

describe('loading and selecting', () => {
  const dir = tempDir('rxdr-config');

  test('a file that is not JSON is reported with its path', () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{ "environments": ');
    expect(() => loadConfigFile(file)).toThrow(
      new RegExp(`Invalid rxdr configuration in ${file} \\(1 problem\\):\\n  - not valid JSON`),
    );
  });

  test('a missing file is reported with its path', () => {
    expect(() => loadConfigFile(path.join(dir, 'nope.json'))).toThrow(/cannot read the file/);
  });

  test('selecting an unknown environment lists the configured ones', () => {
    expect(() => selectEnvironments(shippedConfig(), ['production'])).toThrow(
      /unknown environment "production"; configured environments: dev, staging, prod/,
    );
    expect(selectEnvironments(shippedConfig(), ['prod']).map((e) => e.name)).toEqual(['prod']);
    expect(selectEnvironments(shippedConfig(), undefined)).toHaveLength(3);
  });
});
