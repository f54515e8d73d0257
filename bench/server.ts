/**
 * The trace service under load: `node --import tsx bench/server.ts [--spans N] [--quick]`
 * (after `pnpm build`). On 127.0.0.1:
 * 1. import 100,000 spans from a JSONL file, time to the first `/api/traces` answer;
 * 2. the OTLP receiver: spans/s stored, sustained over 20 s by 8 concurrent clients (JSON, then
 *    protobuf), every span checked stored;
 * 3. at 1,000,000 spans (with one 10,000-span trace): p50/p95 of an `/api/traces` page, a filtered
 *    page, `/api/stats` (also grouped), the big trace, and the service's memory. This part runs
 *    the service alone in a child process, as `lazytrace serve` runs it on Linux: plain node on
 *    the built package, MALLOC_ARENA_MAX=2, the service's defaults. It reads the child's VmRSS and
 *    VmHWM (peak) from /proc/<pid>/status, resetting the peak before each query group
 *    (clear_refs), and its CPU time from /proc/<pid>/stat;
 * 4. a span ending in an app with the file backend (default settings) → SSE client latency.
 * Parts 1, 2 and 4 run the service in this process.
 * Prints one line per figure and writes bench/server-results.json (`--scale-only`: only part 3,
 * into bench/server-results.scale.json). `--profile` adds the child's V8 heap and DuckDB's own
 * memory accounting (duckdb_memory()) while loading and after each query group; `--reuse-db PATH`
 * loads into PATH and keeps it, or queries it without loading when it exists; `--cpu-prof DIR`
 * has the service child write a V8 CPU profile (.cpuprofile) into DIR when it stops.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { initTracing, shutdownTracing } from '@lazytrace/config';
import { fn, pipeline } from '@lazytrace/core';
import { startServer } from '../packages/server/src/index.js';
import { readSse } from '../packages/server/src/testing/harness.js';
import {
  hexId,
  otlpRequest,
  type SpanSpec,
  type TraceSpec,
} from '../packages/server/src/testing/otlp-fixtures.js';

const quick = process.argv.includes('--quick');
const spansArg = process.argv.indexOf('--spans');
const BIG_TOTAL = spansArg === -1 ? (quick ? 200_000 : 1_000_000) : Number(process.argv[spansArg + 1]);
const results: Record<string, number | string> = {};
// `--memory-limit 256MB`: another DuckDB memory limit for the in-process parts (A/B of the default).
const limitAt = process.argv.indexOf('--memory-limit');
const limit = limitAt === -1 ? {} : { memoryLimit: process.argv[limitAt + 1] as string };
const dir = mkdtempSync(join(tmpdir(), 'lazytrace-bench-'));

function report(name: string, value: number, unit: string): void {
  results[`${name} (${unit})`] = Math.round(value * 10) / 10;
  console.log(`${name.padEnd(58)} ${value.toFixed(1).padStart(10)} ${unit}`);
}

/** A request-shaped trace of `size` spans: a root, steps, llm calls with usage and content. */
function traceOf(startMs: number, size: number, i: number): TraceSpec {
  const spans: SpanSpec[] = [
    {
      name: `request-${i % 7}`,
      kind: 'flow',
      startMs: 0,
      durationMs: size * 3 + (i % 50),
      status: i % 20 === 0 ? 'error' : undefined,
      attributes: {
        'lazytrace.root': true,
        'session.id': `s-${i % 500}`,
        'user.id': `u-${i % 90}`,
        'lazytrace.tags': [i % 2 === 0 ? 'prod' : 'dev'],
        'lazytrace.input': JSON.stringify(`question number ${i} about something ${'x'.repeat(200)}`),
        'lazytrace.output': JSON.stringify(`answer ${i} ${'y'.repeat(300)}`),
      },
    },
  ];
  for (let s = 1; s < size; s++) {
    const llm = s % 3 === 0;
    spans.push({
      name: llm ? 'llm' : `step-${s % 5}`,
      id: hexId(8),
      parent: `request-${i % 7}`,
      kind: llm ? 'llm' : 'tool',
      startMs: s * 3,
      durationMs: 2 + (s % 4),
      attributes: llm
        ? {
            'gen_ai.request.model': `model-${i % 3}`,
            'gen_ai.usage.input_tokens': 120,
            'gen_ai.usage.output_tokens': 30,
            'lazytrace.input': JSON.stringify(`prompt ${'p'.repeat(400)}`),
            'lazytrace.output': JSON.stringify(`completion ${'c'.repeat(200)}`),
          }
        : { 'lazytrace.input': JSON.stringify({ step: s }) },
    });
  }
  return { startMs, spans };
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number, number]> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const value = await work();
  const used = process.cpuUsage(cpu);
  return [value, performance.now() - start, (used.user + used.system) / 1000];
}

/** This machine is shared: the load average says how much of it the figures had. */
function load(): string {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (rank - lo);
}

async function latencies(url: string, runs: number): Promise<{ p50: number; p95: number; bytes: number }> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const [body, ms] = await timed(async () => {
      const response = await fetch(url);
      if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
      return response.arrayBuffer();
    });
    bytes = body.byteLength;
    times.push(ms);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95), bytes };
}

async function importBench(): Promise<void> {
  const file = join(dir, 'import.jsonl');
  const lines: string[] = [];
  const base = Date.now() - 3_600_000;
  let spans = 0;
  for (let i = 0; spans < 100_000; i += 50) {
    const traces = Array.from({ length: 50 }, (_, k) => traceOf(base + (i + k) * 30, 10, i + k));
    spans += 500;
    lines.push(JSON.stringify(otlpRequest(traces)));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  const [server, ms, cpuMs] = await timed(async () => {
    const s = await startServer({
      port: 0,
      db: join(dir, 'import.duckdb'),
      files: [file],
      log: null,
      ...limit,
    });
    const response = await fetch(`${s.url}/api/traces`);
    const body = (await response.json()) as { traces: unknown[] };
    if (body.traces.length !== 50) throw new Error('first page incomplete');
    return s;
  });
  const health = (await (await fetch(`${server.url}/health`)).json()) as { spans: number };
  if (health.spans !== 100_000) throw new Error(`imported ${health.spans} spans`);
  report('import 100,000 spans from JSONL + first /api/traces', ms, 'ms');
  report('  the same, CPU time of the process (all threads)', cpuMs, 'ms');
  console.log(`  load average ${load()}`);
  await server.close();
}

/**
 * A request body made once, sent many times with fresh trace ids: every trace id starts with a
 * 4-byte marker that is overwritten per request, so the clients cost little CPU of their own.
 */
function template(
  format: 'json' | 'protobuf',
  client: number,
  count = 50,
  startMs = Date.now() - 60_000,
): (n: number) => Uint8Array {
  const traces = Array.from({ length: count }, (_, k) => {
    const t = traceOf(startMs + k * 37, 10, client * 1000 + k);
    t.traceId = `c0ffee${client.toString(16).padStart(2, '0')}${hexId(12)}`;
    return t;
  });
  const json = JSON.stringify(otlpRequest(traces));
  const body = Buffer.from(format === 'json' ? new TextEncoder().encode(json) : toProtobuf(json));
  const marker =
    format === 'json'
      ? Buffer.from(`c0ffee${client.toString(16).padStart(2, '0')}`)
      : Buffer.from([0xc0, 0xff, 0xee, client]);
  const at: number[] = [];
  for (let i = body.indexOf(marker); i !== -1; i = body.indexOf(marker, i + 1)) at.push(i);
  return (n) => {
    const stamp =
      format === 'json'
        ? Buffer.from(n.toString(16).padStart(8, '0'))
        : Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
    for (const i of at) stamp.copy(body, i);
    return new Uint8Array(body);
  };
}

/**
 * 8 clients posting for 20 s. `in-process`: the service runs in the bench's own process, sharing its
 * event loop with the clients (the pessimistic figure). `child`: the service alone in its own
 * process, as `lazytrace serve` runs beside the applications that send to it.
 */
async function otlpBench(format: 'json' | 'protobuf', where: 'in-process' | 'child'): Promise<void> {
  const db = join(dir, `otlp-${format}-${where}.duckdb`);
  const server =
    where === 'child'
      ? await serviceChild(db)
      : await startServer({ port: 0, db, files: [], log: null, ...limit });
  const clients = 8;
  const durationMs = quick ? 5_000 : 20_000;
  let sent = 0;
  const deadline = Date.now() + durationMs;
  const start = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const next = template(format, c);
      let n = 0;
      while (Date.now() < deadline) {
        const response = await fetch(`${server.url}/v1/traces`, {
          method: 'POST',
          headers: { 'content-type': format === 'json' ? 'application/json' : 'application/x-protobuf' },
          body: next(n++),
        });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`OTLP answered ${response.status}`);
        sent += 500;
      }
    }),
  );
  const elapsed = performance.now() - start;
  const health = (await (await fetch(`${server.url}/health`)).json()) as { spans: number };
  if (health.spans !== sent) throw new Error(`sent ${sent}, stored ${health.spans}`);
  const used = process.cpuUsage(cpu);
  if (where === 'child') {
    report(
      `OTLP receiver, ${format}, 8 clients, service in its own process, stored`,
      (sent / elapsed) * 1000,
      'spans/s',
    );
  } else {
    report(`OTLP receiver, ${format}, 8 clients, stored`, (sent / elapsed) * 1000, 'spans/s');
    report(
      `  the same (${format}), per CPU-second of the process (clients included)`,
      (sent / (used.user + used.system)) * 1e6,
      'spans/s',
    );
  }
  console.log(`  load average ${load()}`);
  await server.close();
}

/** The same request as protobuf (the OTLP definitions through protobufjs). */
function toProtobuf(json: string): Uint8Array {
  return encodeRequest(JSON.parse(json));
}

let encodeRequest: (value: Record<string, unknown>) => Uint8Array;

async function scaleBench(): Promise<void> {
  // `--reuse-db PATH`: load into PATH and keep it; when it exists, query it without loading
  // (to try query changes; the ingest figures are then not measured).
  const reuseAt = process.argv.indexOf('--reuse-db');
  const db = reuseAt === -1 ? join(dir, 'scale.duckdb') : (process.argv[reuseAt + 1] as string);
  const reuse = reuseAt !== -1 && existsSync(db);
  const server = await serviceChild(db);
  const base = Date.now() - 6 * 3_600_000;
  const big = traceOf(base + 1000, 10_000, 7);
  if (reuse) big.traceId = await bigTraceId(server.url);
  let total = reuse ? BIG_TOTAL : 0;
  // --profile: where the memory is while loading (every 10 s).
  const sampler = process.argv.includes('--profile')
    ? setInterval(() => void breakdown(server.url, server.pid, `loading, ${total} spans sent`), 10_000)
    : undefined;
  const childCpuBefore = cpuSecondsOf(server.pid);
  const [, loadMs, loadCpuMs] = await timed(async () => {
    if (reuse) return;
    await post(server.url, [big]);
    total += 10_000;
    // Four clients, each sending its template with fresh trace ids (2,000 spans a request).
    const templates = Array.from({ length: 4 }, (_, c) => template('json', 16 + c, 200, base));
    let n = 0;
    await Promise.all(
      templates.map(async (next) => {
        while (total < BIG_TOTAL) {
          total += 2000;
          const response = await fetch(`${server.url}/v1/traces`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: next(n++),
          });
          await response.arrayBuffer();
          if (response.status !== 200) throw new Error(`OTLP answered ${response.status}`);
        }
      }),
    );
  });
  clearInterval(sampler);
  report(`load ${total.toLocaleString('en')} spans over OTLP`, loadMs / 1000, 's');
  report('  the same, CPU time of the benchmark process (the clients)', loadCpuMs / 1000, 's');
  report(
    '  the same, CPU time of the service child (all its threads)',
    cpuSecondsOf(server.pid) - childCpuBefore,
    's',
  );
  const health = (await (await fetch(`${server.url}/health`)).json()) as { spans: number; traces: number };
  console.log(`  store: ${health.spans} spans, ${health.traces} traces`);
  // The store checkpoints once ingest pauses for a second: wait for it (the WAL emptied, at least
  // 5 s, at most 120 s), so the queries are not measured beside a checkpoint of the whole load.
  const settleStart = Date.now();
  await new Promise((r) => setTimeout(r, 5_000));
  while (walBytes(db) > 0 && Date.now() - settleStart < 120_000) {
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(
    `  ingest settled (WAL checkpointed) ${((Date.now() - settleStart) / 1000).toFixed(1)} s after the load`,
  );
  const settled = memoryOf(server.pid);
  const label = `${(total / 1e6).toFixed(1)}M spans`;
  report(`${label}: service RSS after ingest settles (child VmRSS)`, settled.rss, 'MB');
  report(`${label}: service peak RSS during ingest (child VmHWM)`, settled.hwm, 'MB');
  await breakdown(server.url, server.pid, 'settled');
  let peak = settled.hwm;
  // Each query group's own peak: VmHWM is reset to the current RSS before it (clear_refs 5).
  const phase = async (name: string, work: () => Promise<void>) => {
    const resettable = resetPeak(server.pid);
    const cpuBefore = cpuSecondsOf(server.pid);
    await work();
    report(
      `${label}: service CPU during ${name} (child, all threads)`,
      cpuSecondsOf(server.pid) - cpuBefore,
      's',
    );
    const m = memoryOf(server.pid);
    peak = Math.max(peak, m.hwm);
    report(`${label}: service RSS after ${name} (child VmRSS)`, m.rss, 'MB');
    if (resettable) report(`${label}: service peak RSS during ${name} (child VmHWM)`, m.hwm, 'MB');
    await breakdown(server.url, server.pid, `after ${name}`);
  };
  const runs = quick ? 20 : 50;
  await phase('the list pages', async () => {
    const page = await latencies(`${server.url}/api/traces?limit=50`, runs);
    report(`${label}: /api/traces page p50`, page.p50, 'ms');
    report(`${label}: /api/traces page p95`, page.p95, 'ms');
    const deep = await latencies(
      `${server.url}/api/traces?limit=50&status=error&tag=prod&minDurationMs=10`,
      runs,
    );
    report(`${label}: /api/traces filtered page p95`, deep.p95, 'ms');
  });
  await phase('the stats queries', async () => {
    const stats = await latencies(`${server.url}/api/stats`, runs);
    report(`${label}: /api/stats p50`, stats.p50, 'ms');
    report(`${label}: /api/stats p95`, stats.p95, 'ms');
    for (const by of ['name', 'kind', 'model']) {
      const grouped = await latencies(`${server.url}/api/stats?groupBy=${by}`, Math.ceil(runs / 5));
      report(`${label}: /api/stats?groupBy=${by} p95`, grouped.p95, 'ms');
    }
  });
  await phase('the 10,000-span trace', async () => {
    const reads = Math.ceil(runs / 2);
    const cpuBefore = cpuSecondsOf(server.pid);
    const one = await latencies(`${server.url}/api/traces/${big.traceId}`, reads);
    const cpuPerRead = ((cpuSecondsOf(server.pid) - cpuBefore) * 1000) / reads;
    report(`${label}: one 10,000-span trace /api/traces/:id p50`, one.p50, 'ms');
    report(`${label}: one 10,000-span trace /api/traces/:id p95`, one.p95, 'ms');
    report(`${label}: one 10,000-span trace, service CPU per read (child, all threads)`, cpuPerRead, 'ms');
    report(`${label}: one 10,000-span trace, response body`, one.bytes / 1e6, 'MB');
    console.log(`  load average during the trace reads ${load()}`);
  });
  report(`${label}: service peak RSS, ingest and every query (max of the VmHWM above)`, peak, 'MB');
  console.log(`  load average ${load()}`);
  await server.close();
}

async function bigTraceId(url: string): Promise<string> {
  const response = await fetch(`${url}/api/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sql: 'SELECT trace_id FROM traces ORDER BY span_count DESC LIMIT 1' }),
  });
  const body = (await response.json()) as { rows: { trace_id: string }[] };
  return body.rows[0]?.trace_id as string;
}

async function post(url: string, traces: TraceSpec[]): Promise<void> {
  const response = await fetch(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(otlpRequest(traces)),
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`OTLP answered ${response.status}`);
}

async function liveBench(): Promise<void> {
  const file = join(dir, 'live.jsonl');
  const server = await startServer({ port: 0, db: ':memory:', files: [file], log: null });
  initTracing({ env: { LAZYTRACE_BACKENDS: 'file', LAZYTRACE_FILE: file } });
  const app = pipeline({ step: fn(async (x: number) => x + 1, { kind: 'tool' }) }, { name: 'live' });
  const stream = readSse(`${server.url}/api/stream`);
  await new Promise((r) => setTimeout(r, 200));
  const times: number[] = [];
  for (let i = 0; i < (quick ? 5 : 20); i++) {
    const start = performance.now();
    await app.invoke(i);
    const want = i + 1;
    await stream.waitFor((events) => events.filter((e) => e.event === 'trace').length >= want, 10_000);
    times.push(performance.now() - start);
    await new Promise((r) => setTimeout(r, 50));
  }
  report('file backend (defaults) → SSE client, p50', percentile(times, 50), 'ms');
  report('file backend (defaults) → SSE client, max', Math.max(...times), 'ms');
  await stream.close();
  await shutdownTracing();
  await server.close();
}

/**
 * The service alone in a child process, the way `lazytrace serve` runs it on Linux: plain node
 * (no tsx loader) on the built package (`packages/server/dist`), MALLOC_ARENA_MAX=2 (the CLI's
 * re-exec), the service's defaults (memory limit, body limit), no file followed.
 * SIGUSR2 makes it print its V8 memory (process.memoryUsage()) as one JSON line on stdout.
 */
async function serviceChild(db: string): Promise<{ url: string; pid: number; close(): Promise<void> }> {
  const dist = new URL('../packages/server/dist/index.js', import.meta.url).href;
  const script = `
    const { startServer } = await import(${JSON.stringify(dist)});
    const server = await startServer({ port: 0, db: ${JSON.stringify(db)}, files: [], log: null });
    process.stdout.write(server.url + '\\n');
    process.on('SIGUSR2', () => process.stdout.write('memory ' + JSON.stringify(process.memoryUsage()) + '\\n'));
    process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));`;
  // `--cpu-prof DIR`: the service writes a V8 CPU profile into DIR when it stops.
  const profAt = process.argv.indexOf('--cpu-prof');
  const prof = profAt === -1 ? [] : ['--cpu-prof', '--cpu-prof-dir', process.argv[profAt + 1] as string];
  const child = spawn(process.execPath, [...prof, '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' },
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = /^(http:\/\/\S+)\n/m.exec(out);
      if (line) resolve(line[1] as string);
    });
    child.on('exit', (code) => reject(new Error(`service child exited (${code})`)));
  });
  childOutput = () => out;
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  // A failed benchmark must not leave the service running.
  process.on('exit', () => child.kill('SIGKILL'));
  return {
    url,
    pid: child.pid as number,
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

let childOutput = () => '';

/** The child's V8 heap and DuckDB's own accounting (duckdb_memory()), for `--profile`. */
async function breakdown(url: string, pid: number, label: string): Promise<void> {
  if (!process.argv.includes('--profile')) return;
  const before = childOutput().length;
  process.kill(pid, 'SIGUSR2');
  await new Promise((r) => setTimeout(r, 200));
  const v8 = /memory (\{.*\})/.exec(childOutput().slice(before))?.[1];
  const response = await fetch(`${url}/api/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      sql: 'SELECT tag, round(memory_usage_bytes / 1e6)::INTEGER AS mb, round(temporary_storage_bytes / 1e6)::INTEGER AS tmp FROM duckdb_memory() WHERE memory_usage_bytes > 1e6 OR temporary_storage_bytes > 1e6',
    }),
  });
  const duck = (await response.json()) as { rows?: { tag: string; mb: number; tmp: number }[] };
  const heap = v8 === undefined ? undefined : (JSON.parse(v8) as Record<string, number>);
  const mb = (n: number | undefined) => Math.round((n ?? 0) / 1e6);
  const m = memoryOf(pid);
  console.log(
    `  [${label}] RSS ${m.rss.toFixed(0)} MB, HWM ${m.hwm.toFixed(0)} MB; V8 heap ${mb(heap?.heapUsed)}/${mb(heap?.heapTotal)} MB, external ${mb(heap?.external)} MB, arrayBuffers ${mb(heap?.arrayBuffers)} MB; DuckDB ${(duck.rows ?? []).map((r) => `${r.tag} ${r.mb}${r.tmp ? `+${r.tmp}tmp` : ''}`).join(', ')}`,
  );
}

/** User + system CPU seconds of a process (all threads), from /proc/<pid>/stat. */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after "(comm) ", in clock ticks.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Size of a DuckDB database's write-ahead log (0 once checkpointed, or absent). */
function walBytes(db: string): number {
  try {
    return statSync(`${db}.wal`).size;
  } catch {
    return 0;
  }
}

/** Resets a process's VmHWM to its current RSS (Linux ≥ 4.0, needs the right to write clear_refs). */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** VmRSS and VmHWM (the peak) of a process, in MB, from /proc/<pid>/status. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

async function main(): Promise<void> {
  const { encodeExportRequest } = await import('../packages/server/src/otlp/protobuf.js');
  // protobufjs' fromObject reads bytes as base64: give it the ids as bytes.
  encodeRequest = (value) => encodeExportRequest(idsToBytes(value) as Record<string, unknown>);
  console.log(`node ${process.version}, ${process.platform} ${process.arch}`);
  const only = process.argv.includes('--scale-only');
  if (!only) {
    await importBench();
    await otlpBench('json', 'in-process');
    await otlpBench('protobuf', 'in-process');
    await otlpBench('json', 'child');
    await otlpBench('protobuf', 'child');
    await liveBench();
  }
  // `--no-scale`: only the in-process parts (bench/server-results.ingest.json).
  if (process.argv.includes('--no-scale')) {
    writeFileSync(
      new URL('./server-results.ingest.json', import.meta.url),
      `${JSON.stringify(results, null, 2)}\n`,
    );
    return;
  }
  await scaleBench();
  writeFileSync(
    new URL(only ? './server-results.scale.json' : './server-results.json', import.meta.url),
    `${JSON.stringify(results, null, 2)}\n`,
  );
}

function idsToBytes(value: unknown, key = ''): unknown {
  if (typeof value === 'string' && (key === 'traceId' || key === 'spanId' || key === 'parentSpanId')) {
    return Buffer.from(value, 'hex');
  }
  if (Array.isArray(value)) return value.map((v) => idsToBytes(v));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, idsToBytes(v, k)]));
  }
  return value;
}

main()
  .catch((error) => {
    console.error(error);
    process.exit(1);
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
