import { InvalidArgumentError } from 'commander';
import { STRATEGIES } from '../../../engines/failover/strategies';
import { LOCAL_STRATEGIES } from '../../local/local-strategies';
import { CommandRegistrar } from '../context';
import { UsageError } from '../errors';
import { addLocalRunOptions, LocalRunFlags, runLocalCommand } from './local-run-command';

type LocalStrategy = (typeof LOCAL_STRATEGIES)[number];

/** `--strategy` of `failover --local`: one this machine rehearses, else exit 2 listing them (checked while parsing). */
function localStrategy(value: string): LocalStrategy {
  const choose = `on this machine choose one of ${LOCAL_STRATEGIES.join(', ')}`;
  if ((LOCAL_STRATEGIES as readonly string[]).includes(value)) return value as LocalStrategy;
  if ((STRATEGIES as readonly string[]).includes(value))
    throw new InvalidArgumentError(
      `${value} does not apply to the local database (PostgreSQL with a streaming standby and a WAL archive, ` +
        `no backup vault): ${choose}.`,
    );
  throw new InvalidArgumentError(`unknown strategy "${value}": ${choose}.`);
}

/**
 * `rxdr failover --local [--strategy <name>]`: primary + streaming standby under load; the primary killed and the
 * standby promoted (or restored from base backup + WAL) and validated, or a planned switchover without loss.
 */
export const registerFailover: CommandRegistrar = (program, context) => {
  const command = program
    .command('failover')
    .description(
      'Fail over a database: `failover plan|start|approve|abort|status --env <name>` runs the ' +
        'AWS runbook; `failover --local` rehearses on this machine (streaming standby under load, ' +
        'primary killed, standby promoted and validated; `--strategy global-switchover`: planned, no data loss).',
    )
    // `--strategy` after `failover start` is the AWS runbook's (every strategy), not this one.
    .enablePositionalOptions();
  addLocalRunOptions(command, {
    local: 'run the failover on this machine with embedded PostgreSQL',
    archiveTimeout: 'WAL archive_timeout of the primary; the RPO target is this plus 1 s',
    keep: 'keep the promoted standby running and its directories',
  })
    .option(
      '--strategy <name>',
      `with --local: ${LOCAL_STRATEGIES.join(', ')} (default promote-replica; global-switchover is planned: ` +
        'writes freeze, the standby catches up, no data loss)',
      localStrategy,
    )
    // No commander default: the runbook subcommands read this command's options too, and default to the tier's.
    .action(async (flags: LocalRunFlags & { strategy?: LocalStrategy }) => {
      if (!flags.local)
        throw new UsageError(
          'say where to fail over: `rxdr failover --local` rehearses on this machine; ' +
            '`rxdr failover plan|start|approve|abort|status --env <name>` runs the AWS runbook (docs/runbooks/failover.md).',
        );
      const { runLocalFailover } = await import('../../local/local-failover');
      const strategy = flags.strategy ?? 'promote-replica';
      await runLocalCommand(
        context,
        'failover',
        flags,
        `rxdr failover --local --strategy ${strategy}: ${flags.prescriptions} prescriptions`,
        (options) => runLocalFailover({ ...options, strategy }),
      );
    });
};
