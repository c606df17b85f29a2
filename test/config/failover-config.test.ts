import { environment, parsing, shippedConfig } from '../helpers/config';
import { isInstance } from '../../lib/config/database-kind';

const withTargets = (...targets: Record<string, unknown>[]) => ({
  databases: targets.map((failover, i) => ({ name: `db${i}`, tier: 'critical', mode: 'create', failover })),
});
const zone = 'Z0123456789ABCDEFGHIJ';

describe('failover config: defaults', () => {
  test('no failover block: the secret alone is repointed, unapproved runs abort after 60 minutes, people need MFA', () => {
    const env = environment();
    expect(env.failover).toEqual({ approvalTimeoutMinutes: 60, requireMfa: true, automationPrincipals: [] });
    expect(env.databases.filter(isInstance)[0]!.failover).toBeUndefined();
  });

  test('a record gets a 30-second TTL; record and parameter may both be named', () => {
    const env = environment(
      withTargets({
        route53: { hostedZoneId: zone, recordName: 'dispensing.db.rx.internal' },
        endpointParameterName: '/rx/dispensing/endpoint',
      }),
    );
    expect(env.databases.filter(isInstance)[0]!.failover).toEqual({
      route53: { hostedZoneId: zone, recordName: 'dispensing.db.rx.internal', ttlSeconds: 30 },
      endpointParameterName: '/rx/dispensing/endpoint',
    });
  });

  test('every shipped environment names repoint targets for every RDS instance (the runbooks fail instances over)', () => {
    for (const env of shippedConfig().environments) {
      for (const db of env.databases.filter(isInstance))
        expect(db.failover?.route53 ?? db.failover?.endpointParameterName).toBeDefined();
    }
  });
});

describe('failover config: every problem names the field and the received value', () => {
  test('a failover block with neither a record nor a parameter', () => {
    expect(parsing(withTargets({}))).toThrow(
      /databases\[0\]\.failover: name route53 \(a private hosted zone record\) and\/or endpointParameterName \(got \{\}\)/,
    );
  });

  test('a hosted zone id that is not one', () => {
    expect(parsing(withTargets({ route53: { hostedZoneId: 'rx.internal', recordName: 'a.rx.internal' } }))).toThrow(
      /failover\.route53\.hostedZoneId: must be a Route 53 hosted zone id .*got "rx\.internal"/,
    );
  });

  test('a record name that is not a DNS name', () => {
    expect(parsing(withTargets({ route53: { hostedZoneId: zone, recordName: 'dispensing' } }))).toThrow(
      /failover\.route53\.recordName: must be a DNS name of at least two labels .*got "dispensing"/,
    );
    expect(parsing(withTargets({ route53: { hostedZoneId: zone, recordName: 'bad_name.rx.internal' } }))).toThrow(
      /got "bad_name\.rx\.internal"/,
    );
  });

  test('a TTL outside 5-300 s', () => {
    expect(
      parsing(withTargets({ route53: { hostedZoneId: zone, recordName: 'a.rx.internal', ttlSeconds: 3600 } })),
    ).toThrow(/failover\.route53\.ttlSeconds/);
  });

  test('two databases on the same record (case and trailing dot ignored)', () => {
    expect(
      parsing(
        withTargets(
          { route53: { hostedZoneId: zone, recordName: 'a.rx.internal' } },
          { route53: { hostedZoneId: zone, recordName: 'A.rx.internal.' } },
        ),
      ),
    ).toThrow(
      /databases\[1\]\.failover\.route53\.recordName: databases\[0\] already repoints this record; each database needs its own \(got "A\.rx\.internal\."\)/,
    );
  });

  test('a parameter name that is not a path', () => {
    expect(parsing(withTargets({ endpointParameterName: 'rx-endpoint' }))).toThrow(
      /failover\.endpointParameterName: must be an SSM parameter path .*got "rx-endpoint"/,
    );
  });

  test('a parameter under a reserved or rxdr-owned path', () => {
    expect(parsing(withTargets({ endpointParameterName: '/aws/service/x' }))).toThrow(
      /must not be under \/aws, \/ssm .*got "\/aws\/service\/x"/,
    );
    expect(parsing(withTargets({ endpointParameterName: '/rxdr/prod/approvals/x' }))).toThrow(
      /got "\/rxdr\/prod\/approvals\/x"/,
    );
  });

  test('two databases on the same parameter', () => {
    expect(
      parsing(withTargets({ endpointParameterName: '/rx/endpoint' }, { endpointParameterName: '/rx/endpoint' })),
    ).toThrow(
      /databases\[1\]\.failover\.endpointParameterName: databases\[0\] already uses this parameter.*got "\/rx\/endpoint"/,
    );
  });

  test('an approval timeout outside 5-720 minutes', () => {
    expect(parsing({ failover: { approvalTimeoutMinutes: 2 } })).toThrow(
      /failover\.approvalTimeoutMinutes: must be 5 to 720 minutes .*got 2/,
    );
    expect(parsing({ failover: { approvalTimeoutMinutes: 1440 } })).toThrow(/got 1440/);
  });

  test('automationPrincipals must be IAM role ARNs; requireMfa a boolean', () => {
    expect(parsing({ failover: { automationPrincipals: ['github-deploy'] } })).toThrow(
      /failover\.automationPrincipals\[0\]: an IAM role ARN \(got "github-deploy"\)/,
    );
    expect(parsing({ failover: { requireMfa: 'no' } })).toThrow(/failover\.requireMfa/);
  });

  test('several problems are listed together', () => {
    expect(
      parsing({
        failover: { approvalTimeoutMinutes: 1 },
        ...withTargets({ route53: { hostedZoneId: 'x', recordName: 'y' } }),
      }),
    ).toThrow(/approvalTimeoutMinutes[\s\S]*hostedZoneId[\s\S]*recordName|hostedZoneId[\s\S]*approvalTimeoutMinutes/);
  });
});
