import { CommandRegistrar } from '../context';
import { UsageError } from '../errors';
import { AURORA_POSTGRESQL, LOCAL_ENGINES, type LocalEngine } from '../../local/local-engines';
import { oneOf } from './flag-parsers';
import { addLocalRunOptions, LocalRunFlags, runLocalCommand } from './local-run-command';

/** `rxdr drill --local`: the whole backup → PITR restore → validate drill on this machine. */
export const registerDrill: CommandRegistrar = (program, context) => {
  const command = program
    .command('drill')
    .description(
      'Restore drills: `drill start|list|show --env <name>` runs the AWS drill; `drill --local` ' +
        'runs one on this machine (WAL-archiving primary under load, disaster, point-in-time ' +
        'restore, validation, evidence).',
    );
  addLocalRunOptions(command, {
    local: 'run the drill on this machine with embedded PostgreSQL (no AWS account needed)',
    archiveTimeout: 'WAL archive_timeout; the RPO target is this plus 1 s',
    keep: 'keep the restored cluster running and its directories (prints how to reach and stop it)',
  })
    .option(
      '--engine <engine>',
      `with --local: the protected database's engine, ${LOCAL_ENGINES.join(' or ')} (default postgres); ` +
        `${AURORA_POSTGRESQL} drills a cluster's steps: restore the cluster, add its instance, validate, ` +
        'delete the instance and then the cluster',
      oneOf('--engine', LOCAL_ENGINES, 'an engine the local drill rehearses'),
    )
    .action(async (flags: LocalRunFlags & { engine?: LocalEngine }) => {
      if (!flags.local) {
        throw new UsageError(
          'say where to drill: `rxdr drill --local` runs one on this machine' +
            `${flags.engine ? ` (--engine ${flags.engine} is a local drill's option)` : ''}; ` +
            '`rxdr drill start|list|show --env <name>` runs and follows the AWS drill (docs/runbooks/restore-drill.md).',
        );
      }
      const { runLocalDrill } = await import('../../local/local-drill');
      const engine = flags.engine ?? 'postgres';
      const banner =
        `rxdr drill --local --engine ${engine}: ${flags.prescriptions} prescriptions, ` +
        `archive_timeout ${flags.archiveTimeout} s`;
      await runLocalCommand(context, 'drill', flags, banner, (options) => runLocalDrill({ ...options, engine }));
    });
};
