// Public API of @lazytrace/cli: the `lazytrace` command, runnable in-process.
export { CliError, UsageError } from './errors.js';
export type { CliIo, OutStream } from './io.js';
export { buildProgram, run } from './program.js';
export { VERSION } from './version.js';
