import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError } from '../errors.js';
import type { CliIo } from '../io.js';

/** The file backend's default path (@lazytrace/config writes there when nothing else is set). */
export const DEFAULT_TRACE_FILE = '.lazytrace/traces.jsonl';

/** FILE when given, else `LAZYTRACE_FILE`, else `.lazytrace/traces.jsonl`, relative to the cwd. */
export function traceFilePath(io: CliIo, file: string | undefined): string {
  const chosen = file ?? io.env.LAZYTRACE_FILE?.trim() ?? '';
  return resolve(io.cwd, chosen === '' ? DEFAULT_TRACE_FILE : chosen);
}

/** The path of a trace file that must exist and be a regular file; otherwise a clear failure. */
export function existingTraceFile(io: CliIo, file: string | undefined): string {
  const path = traceFilePath(io, file);
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const hint =
        file === undefined
          ? ' (no FILE given: the default is LAZYTRACE_FILE or .lazytrace/traces.jsonl; run an app with the file backend first, or name a file)'
          : '';
      throw new CliError(`no such file: ${path}${hint}`);
    }
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (!isFile) throw new CliError(`not a file: ${path}`);
  return path;
}
