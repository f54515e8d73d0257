/**
 * The export side: what a finished span costs after the request path, lazytrace side by side with
 * OpenTelemetry's own exporter, in one process per run (`node --import tsx bench/export.ts`;
 * `bench/run.ts` spawns it and folds its last stdout line into bench/results.json).
 *
 * - Serializing a batch of 512 real lazytrace spans to OTLP, per span (CPU time): OTel's
 *   transformer (`JsonTraceSerializer`, what `OTLPTraceExporter` http/json sends; protobuf for
 *   reference) and the file backend's direct serializer (`otlp-json.ts`, the same text), each to
 *   bytes.
 * - One exporter's whole export of that batch, awaited, per span (CPU time): the file backend
 *   (serialize + append to its file) and OTel's `OTLPTraceExporter` (serialize + POST).
 * - Spans offered at fixed rates (10 ms ticks) for a while, then flushed: what each pipeline
 *   dropped, the highest rate with (nearly) nothing dropped, and its CPU per span above the same
 *   span source exporting nothing. Pipelines: lazytrace's file and OTLP backends (`initTracing`)
 *   and OTel's `BatchSpanProcessor` + `OTLPTraceExporter` (http/json, defaults as users get them).
 *   The span source is the same for all: a lazytrace `fn` with content on.
 *
 * OTLP goes to a receiver in a child process on 127.0.0.1 (reads each request whole, counts its
 * spans, answers 200), so its CPU is not charged to the exporters and it is not the bottleneck.
 *
 * Options: `--quick` (30k/s only, short windows), `--runs N` (default 3; 1 with --quick),
 * `--config <path>` (another build of @lazytrace/config, e.g. an older commit's, for a
 * before/after in the same conditions), `--rates 30000,60000` (only these offered rates). A full
 * run (none of these but --runs) writes bench/results.export.json and its section of
 * docs/performance.md (between the export markers); `--report` redoes the section from the file.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { configureTracing, fn } from '@lazytrace/core';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { otlpJsonText, writeOtlpJsonText } from '../packages/config/src/backends/otlp-json.js';

// The serializers and OTel's exporter, as @lazytrace/config resolves them (the same copies).
const fromConfig = createRequire(createRequire(import.meta.url).resolve('@lazytrace/config'));
const { JsonTraceSerializer, ProtobufTraceSerializer } = fromConfig('@opentelemetry/otlp-transformer') as {
  JsonTraceSerializer: { serializeRequest(spans: ReadableSpan[]): Uint8Array | undefined };
  ProtobufTraceSerializer: { serializeRequest(spans: ReadableSpan[]): Uint8Array | undefined };
};
const { OTLPTraceExporter } = fromConfig('@opentelemetry/exporter-trace-otlp-http') as {
  OTLPTraceExporter: new (config: { url: string }) => SpanExporter;
};

type ConfigModule = typeof import('@lazytrace/config');

export interface ExportResult {
  /** Per span, ns (CPU time), medians over the runs. */
  serializePerSpanNs: {
    /** OTel's transformer to OTLP/JSON bytes (what OTLPTraceExporter http/json sends). */
    otlpJson: number;
    otlpProtobuf: number;
    /** The file backend's serializer (the same text as otlpJson) to UTF-8 bytes. */
    lazytraceOtlpJson?: number;
    /** The file backend's whole export: serialize + append, awaited. */
    fileBackendExport: number;
    /** OTel's OTLPTraceExporter (http/json) whole export to the receiver: serialize + POST, awaited. */
    otelHttpJsonExport?: number;
  };
  spanBytes: { otlpJson: number; otlpProtobuf: number };
  /** Medians over the runs, per pipeline and rate. */
  sustained: SustainedRow[];
  /** Per pipeline: the highest achieved rate with at most 1% dropped (median over runs; see beforeDrops). */
  sustainedBeforeDrops?: { pipeline: string; perSecond: number; perRun: number[] }[];
  /** Every run's rows, for the spread. */
  runs?: SustainedRow[][];
  conditions?: { date: string; node: string; cpus: number; cpu: string; loadAverage: number[]; runs: number };
}
export interface SustainedRow {
  pipeline: string;
  offeredPerSecond: number;
  achievedPerSecond: number;
  ended: number;
  exported: number;
  dropped: number;
  dropRate: number;
  /** Spans the receiver counted (OTLP pipelines). */
  received?: number;
  /** CPU (user + system) per span above the same span source exporting nothing. */
  exportCpuPerSpanUs: number;
}

export const PIPELINES = {
  file: 'lazytrace file backend',
  otlp: 'lazytrace otlp backend (http/json)',
  otel: 'OTel BatchSpanProcessor + OTLPTraceExporter (http/json)',
} as const;

const retrieve = async (input: { query: string; k: number }) =>
  Array.from({ length: input.k }, (_, i) => ({
    id: `doc-${i}`,
    text: 'The Moon raises tides in the oceans; spring tides come when Sun and Moon align. '.repeat(2),
    score: 0.9 - i / 20,
  }));
const INPUT = { query: 'why are there tides', k: 3 };

/** 512 real spans from lazytrace with content on: a batch as backends get it. */
async function sampleSpans(): Promise<ReadableSpan[]> {
  const spans: ReadableSpan[] = [];
  const collect: SpanProcessor = {
    onStart: () => {},
    onEnd: (span) => void spans.push(span),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  configureTracing({ tracerProvider: new BasicTracerProvider({ spanProcessors: [collect] }) });
  const step = fn(retrieve, { name: 'retrieve', kind: 'retriever' });
  for (let i = 0; i < 512; i++) await step.invoke(INPUT);
  configureTracing({ tracerProvider: null });
  return spans;
}

const cpuNow = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** CPU ns per span of `op` (on a batch of `spans`), run for about `ms`. */
async function cpuPerSpanNs(spans: number, ms: number, op: () => unknown): Promise<number> {
  for (let i = 0; i < 3; i++) await op();
  let runs = 0;
  const start = performance.now();
  const cpu = cpuNow();
  while (performance.now() - start < ms) {
    await op();
    runs++;
  }
  return ((cpuNow() - cpu) * 1000) / (runs * spans);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

// --- the receiver (child process) ---------------------------------------------------------------

/** A collector stand-in: reads each request whole, counts the spans in it, answers 200. */
function runReceiver(): void {
  let spans = 0;
  let requests = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      // A span object is the only one with a "kind" field; escaped text inside values reads \"kind\".
      const body = Buffer.concat(chunks).toString('latin1');
      for (let at = body.indexOf(',"kind":'); at !== -1; at = body.indexOf(',"kind":', at + 8)) spans++;
      requests++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as { port: number }).port });
  });
  process.on('message', (message: { ask?: string }) => {
    if (message.ask === 'count') process.send?.({ spans, requests });
  });
  // Bounded: ends with its parent.
  process.on('disconnect', () => process.exit(0));
}

interface Receiver {
  url: string;
  count(): Promise<number>;
  close(): void;
}

async function startReceiver(): Promise<Receiver> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--receiver'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', () => reject(new Error('receiver exited')));
  });
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    count: () =>
      new Promise((resolve) => {
        child.once('message', (m: { spans: number }) => resolve(m.spans));
        child.send({ ask: 'count' });
      }),
    close: () => child.disconnect(),
  };
}

// --- offered load -----------------------------------------------------------------------------

/** Offers `rate` spans per second for `ms`, in 10 ms ticks; returns the achieved rate. */
async function offer(rate: number, ms: number, emit: () => Promise<unknown>) {
  const perTick = Math.max(1, Math.round(rate / 100));
  const start = performance.now();
  let sent = 0;
  for (let tick = 0; performance.now() - start < ms; tick++) {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < perTick; i++) {
      pending.push(emit());
      sent++;
    }
    await Promise.all(pending);
    // Always through the event loop between ticks, as requests arrive in a real server (from I/O):
    // a tick that overran its 10 ms would otherwise chain the next one in microtasks and starve
    // the exporters' sockets until the load ends.
    const wait = start + (tick + 1) * 10 - performance.now();
    await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)));
  }
  return { achieved: (sent * 1000) / (performance.now() - start), sent };
}

interface RunResult {
  achieved: number;
  sent: number;
  cpuUs: number;
  ended: number;
  exported: number;
}

/** The span source through initTracing with one backend ('none': spans recorded, nothing exported). */
async function lazytraceRun(
  config: ConfigModule,
  backend: 'none' | 'file' | 'otlp',
  rate: number,
  ms: number,
  url: string,
  dir: string,
): Promise<RunResult> {
  config.initTracing({
    backends: [backend],
    file: { path: join(dir, `traces-${rate}.jsonl`) },
    otlp: { url },
    flushOnExit: false,
    captureContent: true,
  });
  const step = fn(retrieve, { name: 'retrieve', kind: 'retriever' });
  const cpu = cpuNow();
  const { achieved, sent } = await offer(rate, ms, () => step.invoke(INPUT));
  await config.shutdownTracing();
  const cpuUs = cpuNow() - cpu;
  const stats = config.getTracingStats();
  return { achieved, sent, cpuUs, ended: stats.ended, exported: stats.exported };
}

/**
 * The same span source on OTel's own pipeline: `initTracing` for lazytrace's settings (content
 * on), then OTel's provider with `BatchSpanProcessor` + `OTLPTraceExporter` (or a processor that
 * does nothing, the baseline).
 */
async function otelRun(
  config: ConfigModule,
  exporter: SpanExporter | 'nothing',
  rate: number,
  ms: number,
): Promise<RunResult> {
  let exported = 0;
  let ended = 0;
  const counting: SpanProcessor = {
    onStart: () => {},
    onEnd: () => void ended++,
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  const processors: SpanProcessor[] = [counting];
  if (exporter !== 'nothing') {
    processors.push(
      new BatchSpanProcessor({
        export: (spans, done) =>
          exporter.export(spans, (result) => {
            if (result.code === 0) exported += spans.length;
            done(result);
          }),
        shutdown: () => exporter.shutdown(),
      }),
    );
  }
  const provider = new BasicTracerProvider({ spanProcessors: processors });
  config.initTracing({ backends: ['none'], flushOnExit: false, captureContent: true });
  configureTracing({ tracerProvider: provider });
  const step = fn(retrieve, { name: 'retrieve', kind: 'retriever' });
  const cpu = cpuNow();
  const { achieved, sent } = await offer(rate, ms, () => step.invoke(INPUT));
  await provider.shutdown();
  const cpuUs = cpuNow() - cpu;
  await config.shutdownTracing();
  return { achieved, sent, cpuUs, ended, exported };
}

function row(pipeline: string, rate: number, r: RunResult, base: RunResult, received?: number): SustainedRow {
  return {
    pipeline,
    offeredPerSecond: rate,
    achievedPerSecond: Math.round(r.achieved),
    ended: r.ended,
    exported: r.exported,
    dropped: r.ended - r.exported,
    dropRate: r.ended === 0 ? 0 : (r.ended - r.exported) / r.ended,
    ...(received === undefined ? {} : { received }),
    exportCpuPerSpanUs: r.cpuUs / r.sent - base.cpuUs / base.sent,
  };
}

/**
 * Sustained spans/s before drops: the highest rate the span source achieved in a window where at
 * most 1% was dropped (0 when none). The achieved rate, not the offered one: on a saturated
 * machine the source falls behind what it offers.
 */
function beforeDrops(rows: readonly SustainedRow[], pipeline: string): number {
  let best = 0;
  for (const r of rows)
    if (r.pipeline === pipeline && r.dropRate <= 0.01) best = Math.max(best, r.achievedPerSecond);
  return best;
}

function sustainedBeforeDropsOf(runs: readonly SustainedRow[][]) {
  return Object.values(PIPELINES).map((pipeline) => {
    const perRun = runs.map((rows) => beforeDrops(rows, pipeline));
    return { pipeline, perSecond: median(perRun), perRun };
  });
}

export async function runExportScenarios(
  quick: boolean,
  runs = quick ? 1 : 3,
  configPath?: string,
  onlyRates?: number[],
): Promise<ExportResult> {
  const config = (await import(
    configPath === undefined ? '@lazytrace/config' : pathToFileURL(configPath).href
  )) as ConfigModule;
  const loadAverage = loadavg();
  const spans = await sampleSpans();
  const timeMs = quick ? 150 : 400;
  const dir = mkdtempSync(join(tmpdir(), 'lazytrace-bench-'));
  const receiver = await startReceiver();

  // Per-span costs: interleaved rounds, medians.
  const fileExporter = new config.FileSpanExporter(join(dir, 'serialize.jsonl'));
  const otelExporter = new OTLPTraceExporter({ url: receiver.url });
  const lineBuffer = Buffer.allocUnsafe(8 * 1024 * 1024);
  const exportAwaited = (exporter: SpanExporter) => () =>
    new Promise((resolve) => exporter.export(spans, resolve));
  const perSpan: Record<string, [() => unknown, number[]]> = {
    otlpJson: [() => JsonTraceSerializer.serializeRequest(spans), []],
    // As the file backend does: the parts written one after the other into a kept buffer.
    lazytraceOtlpJson: [
      () => writeOtlpJsonText(otlpJsonText(spans), lineBuffer, 0, lineBuffer.byteLength, false),
      [],
    ],
    otlpProtobuf: [() => ProtobufTraceSerializer.serializeRequest(spans), []],
    fileBackendExport: [exportAwaited(fileExporter), []],
    otelHttpJsonExport: [exportAwaited(otelExporter), []],
  };
  for (let round = 0; round < (quick ? 1 : 5); round++) {
    for (const [op, values] of Object.values(perSpan))
      values.push(await cpuPerSpanNs(spans.length, timeMs, op));
  }
  await fileExporter.shutdown();
  await otelExporter.shutdown();
  const m = (key: string) => median(perSpan[key]![1]);
  const serializePerSpanNs = {
    otlpJson: m('otlpJson'),
    otlpProtobuf: m('otlpProtobuf'),
    lazytraceOtlpJson: m('lazytraceOtlpJson'),
    fileBackendExport: m('fileBackendExport'),
    otelHttpJsonExport: m('otelHttpJsonExport'),
  };
  const spanBytes = {
    otlpJson: (JsonTraceSerializer.serializeRequest(spans)?.length ?? 0) / spans.length,
    otlpProtobuf: (ProtobufTraceSerializer.serializeRequest(spans)?.length ?? 0) / spans.length,
  };

  const rates = onlyRates ?? (quick ? [30_000] : [10_000, 20_000, 30_000, 40_000, 60_000]);
  const ms = quick ? 500 : 1500;
  // Warm-up of the span source and of every pipeline (the JIT), not reported.
  await lazytraceRun(config, 'file', 10_000, 300, receiver.url, dir);
  await lazytraceRun(config, 'otlp', 10_000, 300, receiver.url, dir);
  await otelRun(config, new OTLPTraceExporter({ url: receiver.url }), 10_000, 300);
  const allRuns: SustainedRow[][] = [];
  for (let run = 0; run < runs; run++) {
    const rows: SustainedRow[] = [];
    for (const rate of rates) {
      const lzBase = await lazytraceRun(config, 'none', rate, ms, receiver.url, dir);
      const otelBase = await otelRun(config, 'nothing', rate, ms);
      rows.push(
        row(PIPELINES.file, rate, await lazytraceRun(config, 'file', rate, ms, receiver.url, dir), lzBase),
      );
      let before = await receiver.count();
      const otlp = await lazytraceRun(config, 'otlp', rate, ms, receiver.url, dir);
      rows.push(row(PIPELINES.otlp, rate, otlp, lzBase, (await receiver.count()) - before));
      before = await receiver.count();
      const otel = await otelRun(config, new OTLPTraceExporter({ url: receiver.url }), rate, ms);
      rows.push(row(PIPELINES.otel, rate, otel, otelBase, (await receiver.count()) - before));
    }
    allRuns.push(rows);
  }
  receiver.close();
  rmSync(dir, { recursive: true, force: true });

  const sustained = allRuns[0]!.map((first, i) => {
    const same = allRuns.map((rows) => rows[i]!);
    const med = (pick: (r: SustainedRow) => number) => median(same.map(pick));
    return {
      ...first,
      achievedPerSecond: Math.round(med((r) => r.achievedPerSecond)),
      ended: Math.round(med((r) => r.ended)),
      exported: Math.round(med((r) => r.exported)),
      dropped: Math.round(med((r) => r.dropped)),
      dropRate: med((r) => r.dropRate),
      ...(first.received === undefined ? {} : { received: Math.round(med((r) => r.received ?? 0)) }),
      exportCpuPerSpanUs: med((r) => r.exportCpuPerSpanUs),
    };
  });
  const sustainedBeforeDrops = sustainedBeforeDropsOf(allRuns);
  return {
    serializePerSpanNs,
    spanBytes,
    sustained,
    sustainedBeforeDrops,
    runs: allRuns,
    conditions: {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      loadAverage,
      runs,
    },
  };
}

export const EXPORT_BEGIN =
  '<!-- export:begin (generated by bench/export.ts from bench/results.export.json) -->';
export const EXPORT_END = '<!-- export:end -->';

const us = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const count = (n: number) => n.toLocaleString('en-US');

/** The export section of docs/performance.md, from a full run. */
export function renderExport(r: ExportResult): string {
  const s = r.serializePerSpanNs;
  const c = r.conditions;
  const spread = (
    pipeline: string,
    rate: number,
    pick: (row: SustainedRow) => number,
    fmt: (v: number) => string,
  ) =>
    (r.runs ?? [])
      .map((rows) => fmt(pick(rows.find((x) => x.pipeline === pipeline && x.offeredPerSecond === rate)!)))
      .join(' / ');
  const at = (pipeline: string, rate: number) =>
    r.sustained.find((x) => x.pipeline === pipeline && x.offeredPerSecond === rate);
  const cpuRatio = (rate: number) => {
    const file = at(PIPELINES.file, rate);
    const otel = at(PIPELINES.otel, rate);
    return file && otel ? (file.exportCpuPerSpanUs / otel.exportCpuPerSpanUs).toFixed(2) : 'n/a';
  };
  return `${EXPORT_BEGIN}

Measured with \`node --import tsx bench/export.ts\` on ${c?.cpus ?? '?'} cores (${c?.cpu ?? '?'}), Node ${c?.node ?? '?'},
${c?.date.slice(0, 16).replace('T', ' ') ?? '?'} UTC, ${c?.runs ?? 1} runs (medians; every run's figure where shown as a / b / c);
load average ${c?.loadAverage.map((l) => l.toFixed(1)).join(' / ') ?? '?'} when it started (a shared machine: other
work ran at the same time). Built packages; the span source is the same for every pipeline (a
lazytrace \`fn\` with content on, a retriever's \`{ query, k }\` and its three documents); OTLP goes to
a receiver in a child process on 127.0.0.1 that reads each request whole and counts its spans.

**Per span of a 512-span batch** (CPU time, ${r.spanBytes.otlpJson.toFixed(0)} B as OTLP JSON, ${r.spanBytes.otlpProtobuf.toFixed(0)} B as protobuf):

| work | per span |
| --- | ---: |
| OTel's transformer to OTLP/JSON bytes (\`JsonTraceSerializer\`, what \`OTLPTraceExporter\` http/json sends) | ${us(s.otlpJson)} |
| lazytrace's file-backend serializer to the same bytes (\`otlp-json.ts\`, encoded into a kept buffer) | ${s.lazytraceOtlpJson === undefined ? 'n/a' : us(s.lazytraceOtlpJson)} |
| OTel's transformer to OTLP/protobuf | ${us(s.otlpProtobuf)} |
| **lazytrace file backend, whole export** (serialize + append, awaited) | **${us(s.fileBackendExport)}** |
| **OTel \`OTLPTraceExporter\` (http/json), whole export** (serialize + POST to the receiver, awaited) | **${s.otelHttpJsonExport === undefined ? 'n/a' : us(s.otelHttpJsonExport)}** |

File backend over OTel's exporter, whole export: **${s.otelHttpJsonExport === undefined ? 'n/a' : (s.fileBackendExport / s.otelHttpJsonExport).toFixed(2)}×** (target ≤ 0.8×).

**Spans offered at a fixed rate** for 1.5 s in 10 ms ticks (each tick goes through the event loop,
as requests do in a server), then flushed. *Achieved* is the rate the span source reached (below
the offered rate when the process is saturated); *export CPU* is the process's CPU per span above
the same span source exporting nothing (differences under ~2 µs are noise on this machine).

| pipeline | offered/s | achieved/s | dropped | drop rate (runs) | received | export CPU per span |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${r.sustained
  .map(
    (x) =>
      `| ${x.pipeline} | ${count(x.offeredPerSecond)} | ${count(x.achievedPerSecond)} | ${count(x.dropped)} / ${count(x.ended)} | ${pct(x.dropRate)} (${spread(x.pipeline, x.offeredPerSecond, (y) => y.dropRate, pct)}) | ${x.received === undefined ? '—' : count(x.received)} | ${x.exportCpuPerSpanUs.toFixed(2)} µs |`,
  )
  .join('\n')}

Sustained spans/s before drops, the highest rate the span source achieved in a window with at
most 1 % dropped (median; per run):
${(r.sustainedBeforeDrops ?? []).map((b) => `${b.pipeline} **${count(b.perSecond)}/s** (${b.perRun.map(count).join(' / ')})`).join('; ')}.
File backend export CPU over OTel's pipeline: ${[10_000, 20_000].map((rate) => `${cpuRatio(rate)}× at ${rate / 1000}k/s`).join(', ')}.

${EXPORT_END}`;
}

/** Replaces the export section of docs/performance.md (or adds it before the OpenAI section). */
export function writeExportSection(result: ExportResult): void {
  const path = fileURLToPath(new URL('../docs/performance.md', import.meta.url));
  const doc = readFileSync(path, 'utf8');
  const section = renderExport(result);
  const begin = doc.indexOf(EXPORT_BEGIN);
  const end = doc.indexOf(EXPORT_END);
  let next: string;
  if (begin !== -1 && end > begin) next = doc.slice(0, begin) + section + doc.slice(end + EXPORT_END.length);
  else {
    const at = doc.indexOf('\n## OpenAI');
    const heading = "\n## Export side: lazytrace's backends next to OTel's exporter\n\n";
    next =
      at === -1
        ? `${doc}${heading}${section}\n`
        : `${doc.slice(0, at)}${heading}${section}\n${doc.slice(at)}`;
  }
  writeFileSync(path, next);
}

// Run on its own (bench/run.ts spawns it): a fresh heap, away from the large inputs the request-path
// scenarios keep alive, whose garbage collection would be charged to the exporters.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--receiver')) runReceiver();
  else if (process.argv.includes('--report')) {
    const file = fileURLToPath(new URL('./results.export.json', import.meta.url));
    const result = JSON.parse(readFileSync(file, 'utf8')) as ExportResult;
    if (result.runs !== undefined) result.sustainedBeforeDrops = sustainedBeforeDropsOf(result.runs);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    writeExportSection(result);
  } else {
    const arg = (name: string) => {
      const at = process.argv.indexOf(name);
      return at === -1 ? undefined : process.argv[at + 1];
    };
    const quick = process.argv.includes('--quick');
    const runs = arg('--runs') === undefined ? undefined : Number(arg('--runs'));
    const rates = arg('--rates')?.split(',').map(Number);
    const result = await runExportScenarios(quick, runs, arg('--config'), rates);
    if (!quick && arg('--config') === undefined && rates === undefined) {
      writeFileSync(
        fileURLToPath(new URL('./results.export.json', import.meta.url)),
        `${JSON.stringify(result, null, 2)}\n`,
      );
      writeExportSection(result);
    }
    console.log(JSON.stringify(result));
    process.exit(0);
  }
}
