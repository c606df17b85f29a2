import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, loadConfigFile } from '../../lib/config/load';
import { RDS_POSTGRES_INSTANCE_CLASSES } from '../../lib/config/rds-instance-classes';
import { environment, environmentInput, problemsOf } from '../helpers/config';
import { tempDir } from '../helpers/temp-dir';

/** Configuration that parses but could never deploy is a config problem at synth, listed with the others. */
describe('configuration that cannot deploy is rejected at synth', () => {
  test('an RDS instance class that does not exist is rejected, naming the field and the value', () => {
    const problems = problemsOf({
      databases: [{ name: 'rx', tier: 'critical', mode: 'create', instanceClass: 'db.m7g.humongous' }],
    });
    expect(problems).toContain(
      'environments.prod.databases[0].instanceClass: db.m7g comes in large, xlarge, 2xlarge, 4xlarge, 8xlarge, 12xlarge, 16xlarge, not "humongous" (got "db.m7g.humongous")',
    );
  });

  test('an unknown instance family is rejected for replicas and drills too', () => {
    const problems = problemsOf({
      databases: [{ name: 'rx', tier: 'critical', mode: 'create', replicaInstanceClass: 'db.z9.large' }],
      drill: { instanceClass: 'db.t4g.gigantic' },
    });
    expect(problems).toMatch(
      /databases\[0\]\.replicaInstanceClass: "db\.z9" is not an instance family RDS for PostgreSQL offers; families: t3, t4g, .* \(got "db\.z9\.large"\)/,
    );
    expect(problems).toContain(
      'environments.prod.drill.instanceClass: db.t4g comes in micro, small, medium, large, xlarge, 2xlarge, not "gigantic" (got "db.t4g.gigantic")',
    );
  });

  test('every class in the table is accepted', () => {
    for (const [family, sizes] of Object.entries(RDS_POSTGRES_INSTANCE_CLASSES)) {
      for (const size of sizes) {
        expect(() =>
          environment({
            databases: [{ name: 'rx', tier: 'critical', mode: 'create', instanceClass: `db.${family}.${size}` }],
          }),
        ).not.toThrow();
      }
    }
  });

  test('PostgreSQL 9.6 is a config problem naming the value and the supported versions, not a stack trace', () => {
    const problems = problemsOf({
      databases: [{ name: 'rx', tier: 'critical', mode: 'create', engineVersion: '9.6' }],
    });
    expect(problems).toContain(
      'environments.prod.databases[0].engineVersion: PostgreSQL 9.6 is not supported; supported major versions: 13, 14, 15, 16, 17 (got "9.6")',
    );
  });

  test('a governance-mode vault lock in a production environment is rejected; elsewhere it is allowed', () => {
    expect(problemsOf({ production: true, vaultLock: { mode: 'governance' } })).toMatch(
      /environments\.prod\.vaultLock\.mode: a production environment needs a compliance-mode vault lock.* \(got "governance"\)/,
    );
    expect(environment({ production: false, vaultLock: { mode: 'governance' } }).vaultLock.mode).toBe('governance');
  });

  test('all of these problems are listed at once', () => {
    const problems = problemsOf({
      production: true,
      vaultLock: { mode: 'governance' },
      databases: [
        { name: 'rx', tier: 'critical', mode: 'create', engineVersion: '9.6', instanceClass: 'db.m7g.humongous' },
      ],
    });
    expect(problems).toMatch(/\(3 problems\)/);
  });

  test('invalid JSON is reported with line and column', () => {
    const file = path.join(tempDir('rxdr-json'), 'config.json');
    writeFileSync(
      file,
      JSON.stringify({ environments: { prod: environmentInput() } }, null, 2).replace(
        '"primaryRegion"',
        '"primaryRegion" "x",',
      ),
    );
    let message = '';
    try {
      loadConfigFile(file);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain(
      `Invalid rxdr configuration in ${file} (1 problem):\n  - not valid JSON: line 5, column 23: `,
    );
    expect(message).not.toMatch(/position/);
  });

  test('a file that ends early is reported at its last line', () => {
    const file = path.join(tempDir('rxdr-json'), 'config.json');
    writeFileSync(file, '{\n  "environments": {\n');
    expect(() => loadConfigFile(file)).toThrow(/not valid JSON: line 3, column 1: /);
  });
});
