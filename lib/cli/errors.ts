/** Exit codes shared by every rxdr command. */
export const ExitCode = {
  /** Everything passed / the workflow succeeded. */
  Ok: 0,
  /** The thing checked failed: a validation check, a drill, a failover. */
  Failed: 1,
  /** Usage, configuration, credentials or connection problems: nothing was checked. */
  Usage: 2,
} as const;

/**
 * An error the user can fix (bad flag, unreachable database, unknown environment). The message says what
 * to do; the CLI prints it without a stack trace and exits 2.
 */
export class UsageError extends Error {
  readonly exitCode = ExitCode.Usage;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
