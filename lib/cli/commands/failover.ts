import { CommandRegistrar } from '../context';
import { UsageError } from '../errors';
import { addLocalRunOptions, LocalRunFlags, runLocalCommand } from './local-run-command';

/** `rxdr failover --local`: primary + streaming standby under load, primary killed, standby promoted and validated. */
export const registerFailover: CommandRegistrar = (program, context) => {
  const command = program
    .command('failover')
    .description(
      'Fail over a database: `failover plan|start|approve|abort|status --env <name>` runs the ' +
        'AWS runbook; `failover --local` rehearses on this machine (streaming standby under load, ' +
        'primary killed, standby promoted and validated).',
    );
  addLocalRunOptions(command, {
    local: 'run the failover on this machine with embedded PostgreSQL',
    archiveTimeout: 'WAL archive_timeout of the primary; the RPO target is this plus 1 s',
    keep: 'keep the promoted standby running and its directories',
  }).action(async (flags: LocalRunFlags) => {
    if (!flags.local)
      throw new UsageError(
        'say where to fail over: `rxdr failover --local` rehearses on this machine; ' +
          '`rxdr failover plan|start|approve|abort|status --env <name>` runs the AWS runbook (docs/runbooks/failover.md).',
      );
    const { runLocalFailover } = await import('../../local/local-failover');
    await runLocalCommand(
      context,
      'failover',
      flags,
      `rxdr failover --local: ${flags.prescriptions} prescriptions`,
      runLocalFailover,
    );
  });
};
