import { InvalidArgumentError } from 'commander';
import { STRATEGIES } from '../../../engines/failover/strategies';
import { AURORA_POSTGRESQL, LOCAL_ENGINES, type LocalEngine } from '../../local/local-engines';
import { defaultLocalStrategy, LOCAL_STRATEGIES, type LocalStrategy } from '../../local/local-strategies';
import { oneOf } from './flag-parsers';
import { CommandRegistrar } from '../context';
import { UsageError } from '../errors';
import { localEngineChoice, type LocalEngineFlags } from './local-engine';
import { addLocalRunOptions, LocalRunFlags, runLocalCommand } from './local-run-command';

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

/** The strategies that fail over an Aurora global database (a cluster's; an instance has none). */
const GLOBAL_DATABASE_STRATEGIES: readonly LocalStrategy[] = [
  'global-failover',
  'global-switchover',
  'detach-and-promote',
];

interface LocalFailoverFlags extends LocalRunFlags, LocalEngineFlags {
  strategy?: LocalStrategy;
}

/**
 * The engine and strategy a local failover rehearses, or exit 2 saying what to change: a cluster has no read
 * replica to promote, an instance no global database, and only a cluster's clients use a global writer endpoint.
 */
export function localFailoverChoice(flags: LocalFailoverFlags): { engine?: LocalEngine; strategy: LocalStrategy } {
  const engine = localEngineChoice(flags);
  const cluster = engine === AURORA_POSTGRESQL;
  const strategy = flags.strategy ?? defaultLocalStrategy(engine);
  if (flags.engine === 'postgres' && GLOBAL_DATABASE_STRATEGIES.includes(strategy))
    throw new UsageError(
      `--strategy ${strategy} fails over an Aurora global database: with --engine postgres choose ` +
        `promote-replica or point-in-time, or pass --engine ${AURORA_POSTGRESQL}.`,
    );
  if (cluster && strategy === 'promote-replica')
    throw new UsageError(
      `--strategy promote-replica promotes an instance's read replica, which an Aurora cluster does not have: choose ` +
        `${[...GLOBAL_DATABASE_STRATEGIES, 'point-in-time'].join(', ')}.`,
    );
  return { ...(engine ? { engine } : {}), strategy };
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
    .option(
      '--engine <engine>',
      `with --local: ${LOCAL_ENGINES.join(' or ')} (default postgres); ${AURORA_POSTGRESQL} rehearses a cluster ` +
        '(default strategy global-failover; point-in-time restores <cluster>-restored and adds its instance)',
      oneOf('--engine', LOCAL_ENGINES, 'an engine the local failover rehearses'),
    )
    .option(
      '--clients-use-global-writer-endpoint',
      `with --local (an ${AURORA_POSTGRESQL} cluster): clients connect through the global database's writer ` +
        'endpoint; global-switchover and global-failover change no pointer and verify that the endpoint moved',
    )
    // No commander default: the runbook subcommands read this command's options too, and default to the tier's.
    .action(async (flags: LocalFailoverFlags) => {
      if (!flags.local)
        throw new UsageError(
          'say where to fail over: `rxdr failover --local` rehearses on this machine; ' +
            '`rxdr failover plan|start|approve|abort|status --env <name>` runs the AWS runbook (docs/runbooks/failover.md).',
        );
      const { engine, strategy } = localFailoverChoice(flags);
      const { runLocalFailover } = await import('../../local/local-failover');
      const clients = flags.clientsUseGlobalWriterEndpoint ? ' --clients-use-global-writer-endpoint' : '';
      await runLocalCommand(
        context,
        'failover',
        flags,
        `rxdr failover --local${engine ? ` --engine ${engine}` : ''} --strategy ${strategy}${clients}: ` +
          `${flags.prescriptions} prescriptions`,
        (options) =>
          runLocalFailover({
            ...options,
            strategy,
            engine,
            clientsUseGlobalWriterEndpoint: flags.clientsUseGlobalWriterEndpoint,
          }),
      );
    });
};
