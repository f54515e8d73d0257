import { configureTracing, fn, parallel, pipeline, setLogger } from '@lazytrace/core';
import { readOtlpJson, type SpanNode } from '@lazytrace/traces';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureSpanProcessor, captureTrace } from './capture-trace.js';
import { initTracing, shutdownTracing, withTrace } from './index.js';

function names(node: SpanNode): string[] {
  return [node.name, ...node.children.flatMap(names)];
}

function memoryBackend() {
  const exporter = new InMemorySpanExporter();
  return { exporter, backend: { name: 'memory', exporter, processing: 'simple' as const } };
}

const rag = pipeline(
  {
    search: parallel({
      dense: fn(async (q: string) => [`dense:${q}`], { kind: 'retriever' }),
      sparse: fn((q: string) => [`sparse:${q}`], { kind: 'retriever' }),
    }),
    llm: fn(
      async (docs: { dense: string[] }, ctx) => {
        ctx.setModel('fake-model');
        ctx.setUsage({ inputTokens: 12, outputTokens: 3 });
        await new Promise((r) => setTimeout(r, 5));
        return `answer from ${docs.dense[0]}`;
      },
      { kind: 'llm' },
    ),
  },
  { name: 'rag' },
);

afterEach(async () => {
  await shutdownTracing();
  setLogger(undefined);
});

describe('captureTrace', () => {
  it('returns the output unchanged and the request tree; the backends still get every span', async () => {
    const { exporter, backend } = memoryBackend();
    initTracing({ backends: [backend] });
    const {
      output,
      trace: tree,
      summary,
      traceId,
    } = await withTrace({ sessionId: 's-1' }, () => captureTrace(() => rag.invoke('q1'), { name: 'ask' }));
    expect(output).toBe('answer from dense:q1');
    expect(tree).not.toBeNull();
    expect(names(tree!)).toEqual(['ask', 'rag', 'search', expect.any(String), expect.any(String), 'llm']);
    expect(tree!.parentSpanId).toBeNull();
    const llm = tree!.children[0]!.children[1]!;
    expect(llm).toMatchObject({
      kind: 'llm',
      model: 'fake-model',
      tokens: { input: 12, output: 3, total: 15 },
    });
    expect(llm.input).toBe('{"dense":["dense:q1"],"sparse":["sparse:q1"]}');
    expect(llm.output).toBe('"answer from dense:q1"');
    expect(llm.attributes).toEqual({}); // level standard
    expect(llm.selfTimeMs).toBeGreaterThan(0);
    expect(summary).toMatchObject({ traceId, name: 'ask', spanCount: 6, sessionId: 's-1', status: 'ok' });
    // The other backend received the same spans, the root included.
    const exported = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    expect(exported.map((s) => s.name).sort()).toEqual(['ask', 'dense', 'llm', 'rag', 'search', 'sparse']);
  });

  it('keeps concurrent captures apart, and is its own root inside another span', async () => {
    const { backend } = memoryBackend();
    const handle = initTracing({ backends: [backend] });
    const outer = handle.provider!.getTracer('app').startSpan('http');
    const results = await context.with(trace.setSpan(context.active(), outer), () =>
      Promise.all(Array.from({ length: 20 }, (_, i) => captureTrace(() => rag.invoke(`q${i}`)))),
    );
    outer.end();
    const ids = new Set(results.map((r) => r.traceId));
    expect(ids.size).toBe(20);
    expect(ids.has(outer.spanContext().traceId)).toBe(false);
    results.forEach((r, i) => {
      expect(r.output).toBe(`answer from dense:q${i}`);
      expect(r.summary!.spanCount).toBe(6);
      const llm = r.trace!.children[0]!.children[1]!;
      expect(llm.input).toContain(`dense:q${i}"`);
    });
  });

  it('rejects with the very error fn threw; the trace still reaches the backends', async () => {
    const { exporter, backend } = memoryBackend();
    initTracing({ backends: [backend] });
    const boom = new Error('boom');
    const failing = fn(
      () => {
        throw boom;
      },
      { name: 'fails', kind: 'tool' },
    );
    await expect(captureTrace(() => failing.invoke(1))).rejects.toBe(boom);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['fails', 'request']);
  });

  it('without initTracing: the output, trace null, and one warning saying what to do', async () => {
    const warnings: string[] = [];
    setLogger({ warn: (m) => warnings.push(m) });
    const first = await captureTrace(() => 42);
    const second = await captureTrace(async () => 'x');
    expect(first).toEqual({ output: 42, trace: null, summary: null, traceId: null });
    expect(second.output).toBe('x');
    const ours = warnings.filter((w) => w.includes('captureTrace:'));
    expect(ours).toHaveLength(1);
    expect(ours[0]).toContain('initTracing()');
  });

  it('works on an application-owned provider with a CaptureSpanProcessor', async () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new CaptureSpanProcessor(), new SimpleSpanProcessor(exporter)],
    });
    configureTracing({ tracerProvider: provider });
    try {
      const { output, trace: tree } = await captureTrace(() => rag.invoke('own'), { level: 'detailed' });
      expect(output).toBe('answer from dense:own');
      expect(names(tree!)).toHaveLength(6);
      expect(tree!.children[0]!.attributes['lazytrace.kind']).toBe('flow');
      expect(exporter.getFinishedSpans()).toHaveLength(6);
    } finally {
      configureTracing({ tracerProvider: null });
      await provider.shutdown();
      context.disable();
    }
  });

  it('the OTLP-JSON the SDK writes reads back to the same records as the captured spans', async () => {
    const { exporter, backend } = memoryBackend();
    initTracing({ backends: [backend], serviceName: 'svc' });
    const { trace: tree } = await captureTrace(() => rag.invoke('rt'), { level: 'debug' });
    const spans = exporter.getFinishedSpans();
    const text = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)!);
    const { spans: read, problems } = readOtlpJson(text);
    expect(problems).toEqual([]);
    const byId = new Map(read.map((s) => [s.spanId, s]));
    const walk = (node: SpanNode): void => {
      const r = byId.get(node.spanId)!;
      expect(r.name).toBe(node.name);
      expect(r.startMs).toBeCloseTo(node.startMs, 6);
      expect(r.durationMs).toBeCloseTo(node.durationMs, 6);
      expect(r.attributes).toEqual(node.attributes);
      expect(r.resource).toEqual(node.resource);
      node.children.forEach(walk);
    };
    walk(tree!);
    expect(read.find((s) => s.name === 'request')!.resource['service.name']).toBe('svc');
  });
});
