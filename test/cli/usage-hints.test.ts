import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { rxdr } from '../helpers/cli';

/** What an operator sees when a subcommand is misused: hints that name the right command, choices checked first. */
describe('rxdr usage hints and help', () => {
  const sfn = mockClient(SFNClient);
  const ssm = mockClient(SSMClient);
  const sts = mockClient(STSClient);
  beforeEach(() => {
    sfn.reset();
    ssm.reset();
    sts.reset();
  });

  test.each([
    [['failover', 'plan'], 'rxdr failover plan --help'],
    [['failover', 'start', '--env', 'dev'], 'rxdr failover start --help'],
    [['failback', 'approve', '--env', 'dev'], 'rxdr failback approve --help'],
    [['drill', 'show', '--env', 'dev'], 'rxdr drill show --help'],
    [['report', '--no-such-flag'], 'rxdr report --help'],
  ])('a usage error in `rxdr %j` exits 2 and points at `%s`', async (args, hint) => {
    const result = await rxdr(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`(run \`${hint}\` for usage)`);
  });

  test("the hinted help of a nested subcommand is that subcommand's help, not the top-level one", async () => {
    const result = await rxdr('failover', 'start', '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: rxdr failover start');
    expect(result.stdout).not.toContain('Commands:');
  });

  test('failover plan --strategy teleport exits 2 listing the choices, before any AWS call', async () => {
    const result = await rxdr('failover', 'plan', '--env', 'dev', '--database', 'dispensing', '--strategy', 'teleport');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/'teleport' is invalid.*promote-replica, point-in-time, latest-backup/);
    expect(sts.calls()).toHaveLength(0);
    expect(sfn.calls()).toHaveLength(0);
    expect(ssm.calls()).toHaveLength(0);
  });

  test('failback plan does not offer --strategy', async () => {
    expect((await rxdr('failback', 'plan', '--help')).stdout).not.toContain('--strategy');
    const result = await rxdr(
      'failback',
      'plan',
      '--env',
      'dev',
      '--database',
      'dispensing',
      '--strategy',
      'promote-replica',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/unknown option '--strategy'/);
    expect(sts.calls()).toHaveLength(0);
  });

  test('the top-level help says failover runs the AWS runbook as well as the local rehearsal', async () => {
    const help = (await rxdr('--help')).stdout.replace(/\s+/g, ' ');
    const failover = help.slice(help.indexOf(' failover [options]'), help.indexOf(' report [options]'));
    expect(failover).toMatch(/AWS runbook/);
    expect(failover).toMatch(/--local/);
    const drill = help.slice(help.indexOf(' drill [options]'), help.indexOf(' failover [options]'));
    expect(drill).toMatch(/AWS/);
  });

  test.each([
    [
      ['failover', 'start'],
      ['--env <name>', '--database <name>', '--reason <text>'],
    ],
    [
      ['failback', 'abort'],
      ['--env <name>', '--execution <name>', '--reason <text>'],
    ],
    [['plan'], ['--env <name>']],
  ])('`rxdr %j --help` marks its required options', async (command, required) => {
    const help = (await rxdr(...command, '--help')).stdout.replace(/\s+/g, ' ');
    for (const flag of required) expect(help).toMatch(new RegExp(`${flag} [^-]*\\(required\\)`));
    expect(help).not.toMatch(/--region <region> [^-]*\(required\)/);
  });
});
