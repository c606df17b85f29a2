import { Stack, Validations } from 'aws-cdk-lib';
import * as rds from 'aws-cdk-lib/aws-rds';
import { buildApp } from '../../lib/app';
import { COMPLIANCE_DAY_CONTEXT } from '../../lib/compliance/compliance-day';
import { postgresMajor, postgresSupport } from '../../engines/common/engine-support';
import { RxdrChecks } from '../../lib/compliance/rxdr-checks';
import { environment, shippedEnvironment } from '../helpers/config';
import { complianceFindings } from '../helpers/compliance';
import { testApp, testAppProps } from '../helpers/synth';

describe('RDS PostgreSQL end of standard support', () => {
  test('the table decides by major version and day (UTC)', () => {
    expect(postgresSupport('13.18', '2026-02-28')).toEqual({
      major: '13',
      endOfStandardSupport: '2026-02-28',
      pastEndOfSupport: false,
    });
    expect(postgresSupport('13', '2026-03-01')).toEqual({
      major: '13',
      endOfStandardSupport: '2026-02-28',
      pastEndOfSupport: true,
    });
    expect(postgresSupport('17.6', '2026-11-28').pastEndOfSupport).toBe(false);
    expect(postgresSupport('10', '2020-01-01').pastEndOfSupport).toBe(true);
    expect(postgresSupport('18', '2026-11-28')).toEqual({
      major: '18',
      endOfStandardSupport: undefined,
      pastEndOfSupport: false,
    });
    expect(postgresMajor('9.6.24')).toBe('9.6');
  });

  test('a configured engine version past end of standard support fails synth of the app, naming the version and the date', () => {
    // GIVEN the whole app for a config with PostgreSQL 13, with the pack that owns the rule as a synth plugin.
    // The cdk-nag packs would double the synth time and cannot change this outcome: they are covered on every
    // shipped environment by compliance-packs.test.ts. A tier-3 system keeps the app small (no replica stack).
    const config = environment(
      { databases: [{ name: 'dispensing', tier: 'deferrable', mode: 'create', engineVersion: '13' }] },
      'legacy',
    );
    const { app } = buildApp([config], { compliance: false, ...testAppProps() });
    Validations.of(app).addPlugins(new RxdrChecks(app));
    // WHEN synthesized THEN it fails, naming the version and its end-of-support date
    expect(() => app.synth()).toThrow(
      /Rxdr-EngineEndOfStandardSupport\[PostgreSQL-13-\(major-13\)-reached-end-of-standard-support-on-2026-02-28\]/,
    );
  });

  test('only the instance past its end of support is reported (17.6 passes, 12.22 fails)', () => {
    const stack = new Stack(testApp(), 'Db', { env: { account: '111111111111', region: 'us-east-1' } });
    new rds.CfnDBInstance(stack, 'Db', { engine: 'postgres', engineVersion: '17.6', dbInstanceClass: 'db.t4g.medium' });
    new rds.CfnDBInstance(stack, 'Old', {
      engine: 'postgres',
      engineVersion: '12.22',
      dbInstanceClass: 'db.t4g.medium',
    });
    const rules = complianceFindings(stack)
      .filter((f) => f.pack === 'Rxdr')
      .map((f) => `${f.rule} ${f.path}`);
    expect(rules).toEqual([
      expect.stringMatching(
        /^Rxdr-EngineEndOfStandardSupport\[PostgreSQL.12\.22.\(major.12\).reached.end.of.standard.support.on.2025-02-28\] Db\/Old/,
      ),
    ]);
  });

  describe('the day is injected, never read from the system clock in a test', () => {
    const instanceFindings = (today: string) => {
      const stack = new Stack(testApp({ context: { [COMPLIANCE_DAY_CONTEXT]: today } }), 'Db', {
        env: { account: '111111111111', region: 'us-east-1' },
      });
      new rds.CfnDBInstance(stack, 'Db', {
        engine: 'postgres',
        engineVersion: '17.6',
        dbInstanceClass: 'db.t4g.medium',
      });
      return complianceFindings(stack)
        .filter((f) => f.pack === 'Rxdr')
        .map((f) => f.rule);
    };

    test('PostgreSQL 17 passes on 2030-02-28 and fails on 2030-03-01 (context rxdr:today)', () => {
      expect(instanceFindings('2030-02-28')).toEqual([]);
      expect(instanceFindings('2030-03-01')).toEqual([expect.stringMatching(/end.of.standard.support.on.2030-02-28/)]);
    });

    test('with the system clock at 2030-03-01, the shipped prod environment is judged by the pinned test day', () => {
      jest.useFakeTimers({
        now: new Date('2030-03-01T12:00:00Z'),
        doNotFake: ['setTimeout', 'setInterval', 'setImmediate', 'nextTick'],
      });
      try {
        const { stages } = buildApp([shippedEnvironment('prod')], { compliance: false, ...testAppProps() });
        const findings = stages.flatMap((stage) => complianceFindings(stage)).filter((f) => f.pack === 'Rxdr');
        expect(findings).toEqual([]);
      } finally {
        jest.useRealTimers();
      }
    });

    test('an unreadable pinned day is an error naming the context key', () => {
      expect(() => instanceFindings('1 March 2030')).toThrow(
        /context rxdr:today must be a date as YYYY-MM-DD, got "1 March 2030"/,
      );
    });
  });
});
