import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initTracing, shutdownTracing } from '@lazytrace/config';
import { fn, pipeline } from '@lazytrace/core';
import type { SpanNode, TraceSummary } from '@lazytrace/traces';
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from './server.js';
import { eventually, getJson, readSse, testServer } from './testing/harness.js';

/** A small lazytrace app: a pipeline with a retriever and an llm step that reports usage. */
function app(name: string) {
  return pipeline(
    {
      retrieve: fn(async (q: string) => [`doc about ${q}`], { kind: 'retriever' }),
      answer: fn(
        async (docs: string[], ctx) => {
          ctx.setModel('fake-model');
          ctx.setUsage({ inputTokens: 7, outputTokens: 2 });
          return `answer from ${docs[0]}`;
        },
        { kind: 'llm' },
      ),
    },
    { name },
  );
}

const names = (node: SpanNode): string[] => [node.name, ...node.children.flatMap(names)];

async function findTrace(server: RunningServer, name: string): Promise<TraceSummary> {
  return eventually(async () => {
    const { body } = await getJson<{ traces: TraceSummary[] }>(server, `/api/traces?name=${name}`);
    return body.traces[0];
  });
}

describe('OTLP from applications', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await testServer();
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(async () => {
    await shutdownTracing();
  });

  for (const protocol of ['http/json', 'http/protobuf'] as const) {
    it(`lazytrace's own otlp backend (${protocol}) pointed at the service`, async () => {
      initTracing({
        backends: ['otlp'],
        otlp: { url: `${server.url}/v1/traces`, protocol },
        serviceName: 'lazytrace-app',
        env: {},
      });
      const name = `own-${protocol.replace('/', '-')}`;
      const output = await app(name).invoke('otters');
      expect(output).toBe('answer from doc about otters');
      await shutdownTracing();
      const summary = await findTrace(server, name);
      expect(summary).toMatchObject({
        spanCount: 3,
        status: 'ok',
        model: 'fake-model',
        tokens: { input: 7, output: 2, total: 9 },
        serviceName: 'lazytrace-app',
        input: '"otters"',
      });
      const { body } = await getJson<{ root: SpanNode }>(server, `/api/traces/${summary.traceId}`);
      expect(names(body.root)).toEqual([name, 'retrieve', 'answer']);
      expect(body.root.children.map((c) => c.kind)).toEqual(['retriever', 'llm']);
    });
  }

  for (const [label, Exporter] of [
    ['exporter-trace-otlp-http (JSON)', JsonExporter],
    ['exporter-trace-otlp-proto (protobuf)', ProtoExporter],
  ] as const) {
    it(`a plain OpenTelemetry SDK app with ${label}`, async () => {
      const exporter = new Exporter({ url: `${server.url}/v1/traces` });
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': 'plain-otel' }),
        spanProcessors: [new BatchSpanProcessor(exporter)],
      });
      const tracer = provider.getTracer('plain');
      const rootName = `plain-${label.split(' ')[0]}`;
      const root = tracer.startSpan(rootName, { attributes: { 'http.route': '/ask' } });
      const ctx = trace.setSpan(ROOT_CONTEXT, root);
      const llm = tracer.startSpan(
        'chat gpt-x',
        {
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': 'gpt-x',
            'gen_ai.usage.input_tokens': 11,
            'gen_ai.usage.output_tokens': 4,
          },
        },
        ctx,
      );
      context.with(ctx, () => {
        llm.recordException(new Error('first try failed'));
      });
      llm.end();
      root.end();
      await provider.forceFlush();
      await provider.shutdown();
      const summary = await findTrace(server, rootName);
      expect(summary).toMatchObject({ spanCount: 2, model: 'gpt-x', serviceName: 'plain-otel' });
      expect(summary.tokens).toEqual({ input: 11, output: 4, total: 15 });
      const { body } = await getJson<{ root: SpanNode }>(
        server,
        `/api/traces/${summary.traceId}?level=debug`,
      );
      expect(body.root.children[0]).toMatchObject({ name: 'chat gpt-x', kind: 'llm' });
      expect(body.root.children[0]?.events.map((e) => e.name)).toEqual(['exception']);
    });
  }
});

describe('live in development: the file backend with its default settings, tailed by the service', () => {
  let dir: string;
  let server: RunningServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lazytrace-live-'));
    server = await testServer({ files: [join(dir, 'traces.jsonl')] });
  });
  afterAll(async () => {
    await shutdownTracing();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a span that ends in the app reaches an SSE client (latency printed; bench/server.ts measures it)', async () => {
    const stream = readSse(`${server.url}/api/stream`);
    try {
      await stream.ready;
      // Only the file's path is set (what LAZYTRACE_FILE does); flush interval and the rest default.
      initTracing({ env: { LAZYTRACE_BACKENDS: 'file', LAZYTRACE_FILE: join(dir, 'traces.jsonl') } });
      const started = Date.now();
      await app('live-request').invoke('beavers');
      const events = await stream.waitFor((e) => e.some((x) => x.event === 'trace'), 15_000);
      const latency = Date.now() - started;
      const summary = JSON.parse(events.find((e) => e.event === 'trace')?.data as string) as TraceSummary;
      expect(summary).toMatchObject({ name: 'live-request', spanCount: 3 });
      expect(events.filter((e) => e.event === 'span').length).toBe(3);
      console.log(`file backend → SSE: ${latency} ms`);
    } finally {
      await stream.close();
    }
  });
});
