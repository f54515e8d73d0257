/**
 * The export side: what a finished span costs after the request path. Two parts:
 *
 * - serializing a batch to OTLP (JSON and protobuf, the serializers both lazytrace's backends and
 *   OTel's exporters use) and the file backend's whole export (serialize + append), per span;
 * - spans offered at a fixed rate for a while, then flushed: how many each pipeline dropped, and
 *   its CPU per span above the same pipeline with a discarding exporter. lazytrace's file and
 *   OTLP backends (through `initTracing`) side by side with OTel's own `BatchSpanProcessor` +
 *   `OTLPTraceExporter` (http/json, defaults as users get them), all to an HTTP server on
 *   127.0.0.1 that reads and discards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSpanExporter, getTracingStats, initTracing, shutdownTracing } from '@lazytrace/config';
import { configureTracing, fn } from '@lazytrace/core';
import type { Attributes } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

// The serializers and OTel's exporter, as @lazytrace/config resolves them (the same copies).
const fromConfig = createRequire(createRequire(import.meta.url).resolve('@lazytrace/config'));
const { JsonTraceSerializer, ProtobufTraceSerializer } = fromConfig('@opentelemetry/otlp-transformer') as {
  JsonTraceSerializer: { serializeRequest(spans: ReadableSpan[]): Uint8Array | undefined };
  ProtobufTraceSerializer: { serializeRequest(spans: ReadableSpan[]): Uint8Array | undefined };
};
const { OTLPTraceExporter } = fromConfig('@opentelemetry/exporter-trace-otlp-http') as {
  OTLPTraceExporter: new (config: { url: string }) => SpanExporter;
};

export interface ExportResult {
  serializePerSpanNs: { otlpJson: number; otlpProtobuf: number; fileBackendExport: number };
  spanBytes: { otlpJson: number; otlpProtobuf: number };
  sustained: SustainedRow[];
}
export interface SustainedRow {
  pipeline: string;
  offeredPerSecond: number;
  achievedPerSecond: number;
  ended: number;
  exported: number;
  dropped: number;
  dropRate: number;
  /** CPU (user + system) per span above the same span source with a discarding exporter. */
  exportCpuPerSpanUs: number;
}

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
  return spans;
}

function timePerSpan(spans: number, timeMs: number, op: () => unknown): number {
  for (let i = 0; i < 3; i++) op();
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < timeMs) {
    op();
    runs++;
  }
  return ((performance.now() - start) * 1e6) / (runs * spans);
}

async function timePerSpanAsync(spans: number, timeMs: number, op: () => Promise<unknown>): Promise<number> {
  await op();
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < timeMs) {
    await op();
    runs++;
  }
  return ((performance.now() - start) * 1e6) / (runs * spans);
}

/** A collector stand-in on 127.0.0.1: reads each request whole and answers 200, then discards. */
async function discardingServer() {
  const server = createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/v1/traces`, close: () => new Promise((r) => server.close(r)) };
}

/** Offers `rate` spans per second for `ms`, in 10 ms ticks; returns the achieved rate. */
async function offer(rate: number, ms: number, emit: (i: number) => Promise<unknown> | undefined) {
  const perTick = Math.max(1, Math.round(rate / 100));
  const start = performance.now();
  let sent = 0;
  for (let tick = 0; performance.now() - start < ms; tick++) {
    const pending: (Promise<unknown> | undefined)[] = [];
    for (let i = 0; i < perTick; i++) pending.push(emit(sent++));
    await Promise.all(pending);
    const wait = start + (tick + 1) * 10 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return { achieved: (sent * 1000) / (performance.now() - start), sent };
}

function cpuUs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return d.user + d.system;
}

async function lazytraceRun(
  backend: 'none' | 'file' | 'otlp',
  rate: number,
  ms: number,
  url: string,
  dir: string,
) {
  initTracing({
    backends: [backend],
    file: { path: join(dir, `traces-${rate}.jsonl`) },
    otlp: { url },
    flushOnExit: false,
    captureContent: true,
  });
  const step = fn(retrieve, { name: 'retrieve', kind: 'retriever' });
  const cpu = process.cpuUsage();
  const { achieved, sent } = await offer(rate, ms, () => step.invoke(INPUT));
  await shutdownTracing();
  const used = cpuUs(cpu);
  const stats = getTracingStats();
  return { achieved, sent, used, ended: stats.ended, exported: stats.exported };
}

async function otelRun(exporter: SpanExporter | 'discard', rate: number, ms: number) {
  let exported = 0;
  const inner: SpanExporter =
    exporter === 'discard' ? { export: (_s, done) => done({ code: 0 }), shutdown: async () => {} } : exporter;
  const counting: SpanExporter = {
    export: (spans, done) =>
      inner.export(spans, (result) => {
        if (result.code === 0) exported += spans.length;
        done(result);
      }),
    shutdown: () => inner.shutdown(),
  };
  let ended = 0;
  const provider = new BasicTracerProvider({
    spanProcessors: [
      new BatchSpanProcessor(counting),
      { onStart: () => {}, onEnd: () => void ended++, forceFlush: async () => {}, shutdown: async () => {} },
    ],
  });
  const tracer = provider.getTracer('otel');
  // The same span as lazytrace's: its attributes and its content, JSON.stringify'd.
  const attributes: Attributes = {
    'lazytrace.kind': 'retriever',
    'lazytrace.name': 'retrieve',
    'lazytrace.class': 'Runnable',
    'lazytrace.trace.name': 'retrieve',
    'lazytrace.root': true,
    'gen_ai.operation.name': 'retrieval',
  };
  const cpu = process.cpuUsage();
  const { achieved, sent } = await offer(rate, ms, async () => {
    const span = tracer.startSpan('retrieve', { attributes: { ...attributes } });
    span.setAttribute('lazytrace.input', JSON.stringify(INPUT));
    const out = await retrieve(INPUT);
    span.setAttribute('lazytrace.output', JSON.stringify(out));
    span.end();
  });
  await provider.shutdown();
  return { achieved, sent, used: cpuUs(cpu), ended, exported };
}

export async function runExportScenarios(quick: boolean): Promise<ExportResult> {
  const spans = await sampleSpans();
  const timeMs = quick ? 200 : 1000;
  const dir = mkdtempSync(join(tmpdir(), 'lazytrace-bench-'));
  const fileExporter = new FileSpanExporter(join(dir, 'serialize.jsonl'));
  const serializePerSpanNs = {
    otlpJson: timePerSpan(spans.length, timeMs, () => JsonTraceSerializer.serializeRequest(spans)),
    otlpProtobuf: timePerSpan(spans.length, timeMs, () => ProtobufTraceSerializer.serializeRequest(spans)),
    fileBackendExport: await timePerSpanAsync(
      spans.length,
      timeMs,
      () => new Promise((resolve) => fileExporter.export(spans, resolve)),
    ),
  };
  await fileExporter.shutdown();
  const spanBytes = {
    otlpJson: (JsonTraceSerializer.serializeRequest(spans)?.length ?? 0) / spans.length,
    otlpProtobuf: (ProtobufTraceSerializer.serializeRequest(spans)?.length ?? 0) / spans.length,
  };

  const server = await discardingServer();
  const sustained: SustainedRow[] = [];
  const rates = quick ? [30_000] : [10_000, 30_000, 60_000];
  const ms = quick ? 500 : 1500;
  // Warm-up of both span sources (the JIT), not reported.
  await lazytraceRun('none', 10_000, 300, server.url, dir);
  await otelRun('discard', 10_000, 300);
  for (const rate of rates) {
    const lzBase = await lazytraceRun('none', rate, ms, server.url, dir);
    const otelBase = await otelRun('discard', rate, ms);
    const rows: [string, typeof lzBase, typeof lzBase][] = [
      ['lazytrace file backend', await lazytraceRun('file', rate, ms, server.url, dir), lzBase],
      ['lazytrace otlp backend (http/json)', await lazytraceRun('otlp', rate, ms, server.url, dir), lzBase],
      [
        'OTel BatchSpanProcessor + OTLPTraceExporter (http/json)',
        await otelRun(new OTLPTraceExporter({ url: server.url }), rate, ms),
        otelBase,
      ],
    ];
    for (const [pipeline, r, base] of rows) {
      sustained.push({
        pipeline,
        offeredPerSecond: rate,
        achievedPerSecond: Math.round(r.achieved),
        ended: r.ended,
        exported: r.exported,
        dropped: r.ended - r.exported,
        dropRate: r.ended === 0 ? 0 : (r.ended - r.exported) / r.ended,
        exportCpuPerSpanUs: r.used / r.sent - base.used / base.sent,
      });
    }
  }
  await server.close();
  rmSync(dir, { recursive: true, force: true });
  return { serializePerSpanNs, spanBytes, sustained };
}

// Run on its own (bench/run.ts spawns it): a fresh heap, away from the large inputs the request-path
// scenarios keep alive, whose garbage collection would be charged to the exporters.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runExportScenarios(process.argv.includes('--quick'));
  console.log(JSON.stringify(result));
}
