import { CommandRegistrar } from '../context';
import { UsageError } from '../errors';
import { positiveInteger, postgresUrl, withConnectionHelp } from './flag-parsers';

interface SeedFlags {
  url: string;
  prescriptions: number;
  seed: number;
  replace?: boolean;
}

/** `rxdr seed`: create the reference pharmacy schema and load deterministic synthetic data. */
export const registerSeed: CommandRegistrar = (program, context) => {
  program
    .command('seed')
    .description(
      'Create the reference pharmacy schema in a database and load consistent synthetic data (bulk COPY). Synthetic data only.',
    )
    .requiredOption(
      '--url <postgres-url>',
      'database to load (it must not have a "pharmacy" schema unless --replace)',
      postgresUrl,
    )
    .requiredOption(
      '--prescriptions <n>',
      'prescriptions to generate (about 7 rows each: fills, claims, ledger, audit…)',
      positiveInteger('--prescriptions', 100_000_000),
    )
    .option('--seed <int>', 'random seed: the same seed and size give the same data', positiveInteger('--seed'), 1)
    .option('--replace', 'drop an existing "pharmacy" schema first')
    .action(async (flags: SeedFlags) => {
      const { io } = context;
      const { seedDatabase } = await import('../../seed');
      const started = Date.now();
      const result = await withConnectionHelp(() =>
        seedDatabase({
          url: flags.url,
          prescriptions: flags.prescriptions,
          seed: flags.seed,
          replace: flags.replace,
          onProgress: (e) => {
            if (e.kind === 'seed')
              io.err(
                `seed: ${e.rows.toLocaleString('en-US')} / ${flags.prescriptions.toLocaleString('en-US')} prescriptions`,
              );
          },
        }).catch((error: unknown) => {
          if (error instanceof Error && /already exists/.test(error.message)) throw new UsageError(error.message);
          throw error;
        }),
      );
      const total = Object.values(result.rows).reduce((a, b) => a + b, 0);
      io.out(
        `seeded ${total.toLocaleString('en-US')} rows (${result.prescriptions.toLocaleString('en-US')} prescriptions, history ${result.startTime} .. ${result.endTime}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    });
};
