import { spawn } from 'node:child_process';

/** Set in the re-executed `serve`: the parent forwards signals it also got from the terminal. */
export const REEXEC_MARK = 'LAZYTRACE_SERVE_REEXEC';

/**
 * `lazytrace serve` on Linux runs in a child with MALLOC_ARENA_MAX=2 when the variable is unset.
 * glibc gives each thread that allocates its own malloc arena (up to 8 per core); DuckDB's worker
 * threads and the ingest then hold much freed-but-kept memory (docs/performance.md: 577–707 MB RSS
 * at 1M spans with 2 arenas). Set only for serve, only when
 * the user has not chosen a value, and only here: nothing global, no other command re-executed.
 * Returns the child's exit code, or undefined when no re-exec applies (then the caller runs).
 */
export function reexecServeWithArenaCap(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> | undefined {
  if (process.platform !== 'linux') return undefined;
  if (env.MALLOC_ARENA_MAX !== undefined || env[REEXEC_MARK] !== undefined) return undefined;
  const command = argv.find((a) => !a.startsWith('-'));
  if (command !== 'serve' || argv.includes('--help') || argv.includes('-h')) return undefined;
  const script = process.argv[1];
  if (script === undefined) return undefined;
  const child = spawn(process.execPath, [...process.execArgv, script, ...argv], {
    stdio: 'inherit',
    env: { ...env, MALLOC_ARENA_MAX: '2', [REEXEC_MARK]: '1' },
  });
  // Ctrl-C reaches both processes (one process group); a signal sent to this one alone (kill PID)
  // must reach the service too. The child takes repeats as one. A second signal here forces it.
  let received = 0;
  const forward = (signal: NodeJS.Signals) => {
    received++;
    child.kill(received === 1 ? signal : 'SIGKILL');
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('error', (error) => {
      process.stderr.write(`lazytrace: cannot start serve: ${error.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1));
    });
  });
}
