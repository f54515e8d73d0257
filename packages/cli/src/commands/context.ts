import type { Command } from 'commander';
import type { CliIo } from '../io.js';

/** What every command registration gets: the outside world and where to put its exit code. */
export interface CommandContext {
  readonly io: CliIo;
  /** A command that finished but failed in part (replay with rejected spans) sets 1 here. */
  setExitCode(code: 0 | 1 | 2): void;
}

export type RegisterCommand = (program: Command, ctx: CommandContext) => void;
