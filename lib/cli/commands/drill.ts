import { CommandRegistrar } from '../context';
import { UsageError } from '../errors';
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
  }).action(async (flags: LocalRunFlags) => {
    if (!flags.local) {
      throw new UsageError(
        'say where to drill: `rxdr drill --local` runs one on this machine; ' +
          '`rxdr drill start|list|show --env <name>` runs and follows the AWS drill (docs/runbooks/restore-drill.md).',
      );
    }
    const { runLocalDrill } = await import('../../local/local-drill');
    const banner = `rxdr drill --local: ${flags.prescriptions} prescriptions, archive_timeout ${flags.archiveTimeout} s`;
    await runLocalCommand(context, 'drill', flags, banner, runLocalDrill);
  });
};
