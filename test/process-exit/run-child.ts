import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from the child's `mark` line (printed by the child) to its exit, as seen here. */
  afterMarkMs: number | undefined;
  /** The JSON lines the child printed. */
  lines: Record<string, unknown>[];
  killed: boolean;
}

/**
 * Runs a TypeScript child from the sources (tsx with the root tsconfig's path aliases), with only
 * the given environment, killed after `killAfterMs`. The child prints `{"mark":true}` when the
 * part under test starts (its last line of work); the time from that line to the exit is measured
 * here, so a child kept alive by a socket shows it.
 */
export function runChild(
  script: string,
  env: Record<string, string>,
  options: { killAfterMs?: number; cwd?: string; shell?: string } = {},
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const path = fileURLToPath(new URL(script, import.meta.url));
    const args = ['--import', 'tsx', path];
    const childEnv = { PATH: process.env.PATH ?? '', TSX_TSCONFIG_PATH: `${root}tsconfig.json`, ...env };
    const child =
      options.shell === undefined
        ? spawn(process.execPath, args, {
            cwd: options.cwd ?? root,
            env: childEnv,
            stdio: ['ignore', 'pipe', 'pipe'],
          })
        : spawn('bash', ['-c', `${options.shell}; exec "$0" "$@"`, process.execPath, ...args], {
            cwd: options.cwd ?? root,
            env: childEnv,
            stdio: ['ignore', 'pipe', 'pipe'],
          });
    let stdout = '';
    let stderr = '';
    let markAt: number | undefined;
    let killed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      if (markAt === undefined && stdout.includes('{"mark":true}')) markAt = Date.now();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    const killer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, options.killAfterMs ?? 20_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      const exitedAt = Date.now();
      const lines: Record<string, unknown>[] = [];
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not one of ours
        }
      }
      resolve({
        code,
        signal,
        stdout,
        stderr,
        afterMarkMs: markAt === undefined ? undefined : exitedAt - markAt,
        lines,
        killed,
      });
    });
  });
}
