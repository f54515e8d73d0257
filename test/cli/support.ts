import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's bin, as `pnpm exec lazytrace` runs it; it loads the build (`pnpm test` builds first). */
export const BIN = fileURLToPath(new URL('../../packages/cli/bin/lazytrace.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const RECORD_APP = fileURLToPath(new URL('./fixtures/record-app.mjs', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A clean environment: PATH only, plus what the test gives (no developer's LANGFUSE_* leaking in). */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

function requireBuilt(): void {
  if (!existsSync(BUILT)) {
    throw new Error(`${BUILT} is missing: build first (pnpm --filter @lazytrace/cli build)`);
  }
}

/** Runs `lazytrace ARGS` as a user would and resolves with its exit code and output. */
export function lazytrace(
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  requireBuilt();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        env: cleanEnv(options.env),
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 30_000,
        maxBuffer: 64 << 20,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`lazytrace ${args.join(' ')} did not finish: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
      },
    );
  });
}

/** A long-running `lazytrace` (tail, serve): its output as it comes, and a bounded stop. */
export function spawnLazytrace(
  args: readonly string[],
  options: { env?: Record<string, string | undefined>; cwd?: string } = {},
) {
  requireBuilt();
  const child: ChildProcess = spawn(process.execPath, [BIN, ...args], {
    env: cleanEnv(options.env),
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))),
  );
  // Never outlives the test file.
  const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
  guard.unref();
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    /** Waits (bounded) until stdout (or stderr) matches. */
    async waitFor(
      pattern: RegExp,
      { stream = 'stdout', timeoutMs = 15_000 } = {},
    ): Promise<RegExpMatchArray> {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const match = (stream === 'stdout' ? stdout : stderr).match(pattern);
        if (match) return match;
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error(
        `no ${pattern} in ${stream} within ${timeoutMs}ms\nstdout:\n${stdout}\nstderr:\n${stderr}`,
      );
    },
    /** SIGINT (Ctrl-C), then the exit code; SIGKILL if it does not stop within 10 s. */
    async stop(): Promise<number> {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      clearTimeout(guard);
      return code;
    },
  };
}

/** Runs the recording app (real SDK, initTracing) in a child process; resolves with its trace ids. */
export function recordApp(env: Record<string, string | undefined>): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [RECORD_APP],
      { env: cleanEnv(env), timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`record app failed: ${error.message}\n${stderr}`));
          return;
        }
        const last = stdout.trim().split('\n').pop() ?? '{}';
        resolve((JSON.parse(last) as { traceIds: string[] }).traceIds);
      },
    );
  });
}

export function tempDir(prefix = 'lazytrace-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A recording made with the file backend: path and trace ids. */
export async function recordFile(
  dir: string,
  env: Record<string, string> = {},
): Promise<{ file: string; traceIds: string[] }> {
  const file = join(dir, 'traces.jsonl');
  const traceIds = await recordApp({ LAZYTRACE_BACKENDS: 'file', LAZYTRACE_FILE: file, ...env });
  return { file, traceIds };
}
