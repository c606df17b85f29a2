import { Match, Template } from 'aws-cdk-lib/assertions';
import { environment, problemsOf } from '../helpers/config';
import { synthStage } from '../helpers/synth';

/**
 * An adopted database without a read replica gets a scheduled manifest job of its own, in the network its
 * configuration names (subnet and security group ids), reading the database itself with the replicated
 * credentials secret.
 */
const SECRET = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:rx/legacy-AbCdEf';
const NETWORK = { subnetIds: ['subnet-0a1b2c3d4e5f60718'], securityGroupIds: ['sg-0123456789abcdef0'] };
const adopted = (extra: Record<string, unknown> = {}) => ({
  name: 'legacy',
  tier: 'important',
  mode: 'adopt',
  instanceIdentifier: 'legacy-rx',
  credentialsSecretArn: SECRET,
  ...extra,
});

describe('scheduled manifests of adopted databases without a replica', () => {
  test('the job runs in the named subnets and security groups and reads the database through its secret', () => {
    const config = environment({
      databases: [
        adopted({
          manifestNetwork: NETWORK,
          validation: {
            schemas: ['RxApp'],
            pharmacyTables: { prescription: { table: 'RxApp.scripts', columns: { prescription_id: 'script_id' } } },
          },
        }),
      ],
    });
    const { stage } = synthStage(config);
    const standby = Template.fromStack(stage.standby);
    const jobs = standby.findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('^rxdr manifest job') },
    });
    // Its three functions (plan, chunk, finish) all run there.
    expect(Object.keys(jobs)).toHaveLength(3);
    for (const job of Object.values(jobs) as Array<{ Properties: Record<string, unknown> }>)
      expect(job.Properties.VpcConfig).toEqual({
        SubnetIds: NETWORK.subnetIds,
        SecurityGroupIds: NETWORK.securityGroupIds,
      });
    // Nothing of the adopter's is modified: no security group or rule of rxdr's around the job.
    expect(JSON.stringify(standby.findResources('AWS::EC2::SecurityGroupIngress'))).not.toContain('legacy');
    const schedules = standby.findResources('AWS::Scheduler::Schedule');
    const inputs = Object.values(schedules).map((s) =>
      JSON.parse(String((s as { Properties: { Target: { Input: string } } }).Properties.Target.Input)),
    );
    expect(inputs).toEqual([
      {
        name: 'legacy',
        database: { secretArn: SECRET.replace('us-east-1', 'us-west-2') },
        statementTimeoutMs: expect.any(Number),
        selection: { schemas: ['RxApp'] },
        requirePgaudit: true,
        pharmacyTables: { prescription: { table: 'RxApp.scripts', columns: { prescription_id: 'script_id' } } },
      },
    ]);
    standby.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'ReadReplicatedCredentials',
            Action: 'secretsmanager:GetSecretValue',
            Resource: SECRET.replace('us-east-1', 'us-west-2'),
          }),
        ]),
      },
    });
    standby.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^rxdr manifest job failed'),
    });
  });

  test('without manifestNetwork no job is created for it (its manifests come from rxdr manifest --upload)', () => {
    const { stage } = synthStage(environment({ databases: [adopted()] }));
    const standby = Template.fromStack(stage.standby);
    expect(
      Object.keys(
        standby.findResources('AWS::Lambda::Function', {
          Properties: { Description: Match.stringLikeRegexp('^rxdr manifest job') },
        }),
      ),
    ).toHaveLength(0);
  });

  test('bad ids, and a network named for a database whose replica already has a job, are all reported', () => {
    const message = problemsOf({
      databases: [
        adopted({ manifestNetwork: { subnetIds: ['subnet-1'], securityGroupIds: [] } }),
        adopted({
          name: 'hot',
          tier: 'critical',
          instanceIdentifier: 'hot-rx',
          engineVersion: '17',
          replicaInstanceClass: 'db.r6g.large',
          manifestNetwork: NETWORK,
        }),
      ],
    });
    expect(message).toContain(
      'databases[0].manifestNetwork.subnetIds[0]: must be a subnet id (subnet-…) (got "subnet-1")',
    );
    expect(message).toContain('databases[0].manifestNetwork.securityGroupIds: Too small');
    expect(message).toContain(
      'databases[1].manifestNetwork: database "hot": tier "critical" keeps a cross-region read replica, whose manifest job already reads the replica',
    );
  });
});
