import { Command } from 'commander';
import { CliIo } from './io';

/** Handed to every command: where to write, and where to put its exit code. */
export interface CliContext {
  readonly io: CliIo;
  /** The process exit code; a command sets it to `ExitCode.Failed` when what it checked failed. */
  exitCode: number;
}

/** Each command file exports one of these; `lib/cli/commands/index.ts` lists them. */
export type CommandRegistrar = (program: Command, context: CliContext) => void;
