import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startLangfuseContractServer } from '../support/langfuse-contract-server.js';
import { type Fault, startFaultServer } from './fault-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const app = fileURLToPath(new URL('./app-under-fault.ts', import.meta.url));
const FLUSH_TIMEOUT_MS = 1000;

interface Report {
  sameResults: boolean;
  shutdownMs: number;
  unhandled: string[];
  warnings: number;
  exitAt: number;
}

/** Runs the application in a child process with the given environment; bounded by a kill timer. */
function runApp(
  env: Record<string, string>,
): Promise<{ report: Report; code: number | null; exitedAt: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', app], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        TSX_TSCONFIG_PATH: 'bench/tsconfig.json',
        LAZYTRACE_FLUSH_TIMEOUT_MS: String(FLUSH_TIMEOUT_MS),
        REQUESTS: '100',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(killer);
      const exitedAt = Date.now();
      const line = stdout.trim().split('\n').at(-1) ?? '';
      try {
        resolve({ report: JSON.parse(line) as Report, code, exitedAt, stderr });
      } catch {
        reject(new Error(`no report from the app (code ${code}): ${stdout}\n${stderr}`));
      }
    });
  });
}

/**
 * `failing`: the backend refused or never took the spans, which must be reported. A 200 with a
 * malformed body took them (the OTLP exporter does not read a success body), so nothing is.
 */
function expectHealthy(result: Awaited<ReturnType<typeof runApp>>, failing: boolean) {
  expect(result.stderr.replace(/npm warn.*\n?/g, '')).not.toMatch(/Error|unhandled/i);
  expect(result.code).toBe(0);
  expect(result.report.sameResults).toBe(true);
  expect(result.report.unhandled).toEqual([]);
  // Shutdown returns within the flush timeout (plus slack for a loaded 2-core machine running
  // several of these children at once), and the process then ends.
  expect(result.report.shutdownMs).toBeLessThan(FLUSH_TIMEOUT_MS + 2500);
  expect(result.exitedAt - result.report.exitAt).toBeLessThan(3000);
  // A failing backend is reported, not per span: a handful of lines at most.
  if (failing) expect(result.report.warnings).toBeGreaterThanOrEqual(1);
  expect(result.report.warnings).toBeLessThanOrEqual(3);
}

const FAULTS: Fault[] = ['down', 'slow', 'hang', '401', '429', '500', 'malformed'];

describe.concurrent('the application is unaffected by its tracing backend', () => {
  for (const fault of FAULTS) {
    it(`OTLP backend ${fault}`, async () => {
      const server = await startFaultServer(fault);
      try {
        const result = await runApp({ LAZYTRACE_BACKENDS: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: server.url });
        expectHealthy(result, fault !== 'malformed');
        if (fault !== 'down') expect(server.requests()).toBeGreaterThan(0);
      } finally {
        await server.close();
      }
    });
  }

  const LANGFUSE_FAULTS: [
    string,
    Parameters<Awaited<ReturnType<typeof startLangfuseContractServer>>['set']>[0] | 'down',
  ][] = [
    ['down', 'down'],
    ['slow', { kind: 'slow', delayMs: 5000 }],
    ['hang', { kind: 'hang' }],
    ['401', { kind: 'status', status: 401 }],
    ['429', { kind: 'status', status: 429, retryAfterSeconds: 1 }],
    ['500', { kind: 'status', status: 500 }],
    ['malformed', { kind: 'malformed' }],
  ];
  for (const [label, behaviour] of LANGFUSE_FAULTS) {
    it(`Langfuse backend ${label}`, async () => {
      const server = await startLangfuseContractServer();
      let baseUrl = server.baseUrl;
      if (behaviour === 'down') await server.close();
      else server.set(behaviour);
      try {
        const result = await runApp({
          LAZYTRACE_BACKENDS: 'langfuse',
          LANGFUSE_PUBLIC_KEY: server.keys.publicKey,
          LANGFUSE_SECRET_KEY: server.keys.secretKey,
          LANGFUSE_BASE_URL: baseUrl,
        });
        expectHealthy(result, label !== 'malformed');
      } finally {
        baseUrl = '';
        if (behaviour !== 'down') await server.close();
      }
    });
  }
});
