import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  BasicTracerProvider,
  type InMemorySpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  byName,
  installTestTracing,
  parentId,
  spanId,
  startNanos,
  traceId,
  uninstallTestTracing,
} from '../../../../test/support/otel.js';
import {
  configureTracing,
  fn,
  ifs,
  loop,
  Module,
  parallel,
  pipeline,
  setTraceDefaults,
  switchCase,
} from '../index.js';
import { enterTraceContext, runWithTraceContext } from '../internal.js';

let exporter: InMemorySpanExporter;
let provider: BasicTracerProvider;
beforeEach(() => {
  ({ exporter, provider } = installTestTracing());
});
afterAll(() => uninstallTestTracing());

class Retriever extends Module<string, string[]> {
  override kind = 'retriever';
  async forward(query: string) {
    await new Promise((r) => setTimeout(r, 1));
    return [`doc about ${query}`, 'another doc'];
  }
}
class Reranker extends Module<string[], string[]> {
  override kind = 'reranker';
  async forward(docs: string[]) {
    return [...docs].reverse();
  }
}
class Llm extends Module<string, string> {
  override kind = 'llm';
  async forward(prompt: string, ctx: import('../index.js').CallContext) {
    ctx.setModel({ request: 'fake-1', response: 'fake-1-2026', provider: 'fake' });
    ctx.setUsage({ inputTokens: 10, outputTokens: 3 });
    return `answer to ${prompt.length} chars`;
  }
}

function ragPipeline() {
  return pipeline(
    {
      retriever: new Retriever(),
      reranker: new Reranker(),
      formatter: (docs: string[], ctx) => `Q: ${ctx.input}\n${docs.join('\n')}`,
      llm: new Llm(),
    },
    { name: 'rag' },
  );
}

describe('one span per call', () => {
  it('a pipeline gives one trace: the flow root and its four children named by key', async () => {
    const output = await ragPipeline().invoke('tides');
    expect(output).toMatch(/^answer to \d+ chars$/);
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(5);
    const root = byName(spans, 'rag');
    expect(root.attributes['lazytrace.kind']).toBe('flow');
    expect(root.attributes['lazytrace.class']).toBe('Pipeline');
    expect(root.attributes['lazytrace.root']).toBe(true);
    expect(root.kind).toBe(SpanKind.INTERNAL);
    expect(parentId(root)).toBeUndefined();
    const names = ['retriever', 'reranker', 'formatter', 'llm'];
    const children = names.map((n) => byName(spans, n));
    // The simple processor exports in the order spans end: each child ended before the root, in step order.
    expect(spans.map((s) => s.name)).toEqual([...names, 'rag']);
    for (const child of children) {
      expect(traceId(child)).toBe(traceId(root));
      expect(parentId(child)).toBe(spanId(root));
      expect(startNanos(child) >= startNanos(root)).toBe(true);
      expect(child.attributes['lazytrace.trace.name']).toBe('rag');
      expect(child.attributes['lazytrace.root']).toBeUndefined();
    }
    expect(byName(spans, 'retriever').attributes['lazytrace.kind']).toBe('retriever');
    expect(byName(spans, 'retriever').attributes['lazytrace.documents.count']).toBe(2);
    expect(byName(spans, 'retriever').attributes['gen_ai.retrieval.query.text']).toBe('tides');
    expect(byName(spans, 'formatter').attributes['lazytrace.class']).toBe('Function');
    expect(root.attributes['lazytrace.input']).toBe('"tides"');
    expect(root.attributes['lazytrace.output']).toBe(JSON.stringify(output));
    const llm = byName(spans, 'llm').attributes;
    expect(llm['gen_ai.operation.name']).toBe('chat');
    expect(llm['gen_ai.request.model']).toBe('fake-1');
    expect(llm['gen_ai.response.model']).toBe('fake-1-2026');
    expect(llm['gen_ai.provider.name']).toBe('fake');
    expect(llm['gen_ai.usage.input_tokens']).toBe(10);
    expect(llm['gen_ai.usage.output_tokens']).toBe(3);
    expect(llm['lazytrace.usage.total_tokens']).toBe(13);
  });

  it('the root is named after its class when no name is given', async () => {
    await pipeline([fn((x: number) => x + 1)]).invoke(1);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toContain('Pipeline');
  });

  it('200 concurrent pipeline calls with a parallel of 3 give 200 separate, complete traces', async () => {
    const flow = pipeline(
      {
        prepare: (x: number) => x * 2,
        fanout: parallel({
          a: async (x: number) => {
            await new Promise((r) => setTimeout(r, Math.random() * 3));
            return x + 1;
          },
          b: (x: number) => x + 2,
          c: async (x: number) => x + 3,
        }),
        sum: (r: { a: number; b: number; c: number }) => r.a + r.b + r.c,
      },
      { name: 'req' },
    );
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        runWithTraceContext({ sessionId: `s${i}` }, () => flow.invoke(i)),
      ),
    );
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => 6 * i + 6));

    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(200 * 7);
    const traces = new Map<string, typeof spans>();
    for (const s of spans) traces.set(traceId(s), [...(traces.get(traceId(s)) ?? []), s]);
    expect(traces.size).toBe(200);
    for (const group of traces.values()) {
      expect(group).toHaveLength(7);
      const ids = new Set(group.map(spanId));
      const roots = group.filter((s) => parentId(s) === undefined);
      expect(roots).toHaveLength(1);
      for (const s of group) if (s !== roots[0]) expect(ids.has(parentId(s)!)).toBe(true);
      // Every span of the trace carries the same request's session.
      expect(new Set(group.map((s) => s.attributes['session.id'])).size).toBe(1);
      const fanout = byName(group, 'fanout');
      for (const branch of ['a', 'b', 'c']) expect(parentId(byName(group, branch))).toBe(spanId(fanout));
    }
  });

  it('tracing switched off for a call after the pipeline was built: no spans, same result', async () => {
    const flow = ragPipeline();
    const expected = await flow.invoke('first');
    exporter.reset();
    const result = await runWithTraceContext({ enabled: false }, () => flow.invoke('first'));
    expect(result).toBe(expected);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    // And back on for the next call outside that scope.
    await flow.invoke('first');
    expect(exporter.getFinishedSpans()).toHaveLength(5);
  });

  it('off by default (LAZYTRACE_ENABLED=false), on for one request that asks for it', async () => {
    setTraceDefaults({ enabled: false });
    try {
      const flow = fn((x: number) => x * 2, { name: 'f' });
      expect(await flow.invoke(1)).toBe(2);
      expect(exporter.getFinishedSpans()).toHaveLength(0);
      expect(await runWithTraceContext({ enabled: true }, () => flow.invoke(2))).toBe(4);
      expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['f']);
    } finally {
      setTraceDefaults({});
    }
  });

  it('setTrace-style entry applies to the rest of the async context only', async () => {
    const flow = fn((x: number) => x, { name: 'f' });
    await Promise.all([
      (async () => {
        // After the first await: before it, enterWith would change the caller's context too.
        await null;
        enterTraceContext({ enabled: false });
        await flow.invoke(1);
      })(),
      (async () => {
        await flow.invoke(2);
      })(),
    ]);
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });
});

describe('nothing is serialized when nothing is recorded', () => {
  function countingInput() {
    const counter = { reads: 0 };
    const input = {
      get payload() {
        counter.reads++;
        return 'secret-free payload';
      },
    };
    return { counter, input };
  }

  it('tracing off: no span, the input is never read', async () => {
    const { counter, input } = countingInput();
    await runWithTraceContext({ enabled: false }, () => fn((x: unknown) => x).invoke(input));
    expect(counter.reads).toBe(0);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('span not recording (sampled out): the input is never read', async () => {
    const { counter, input } = countingInput();
    configureTracing({ tracerProvider: new BasicTracerProvider({ sampler: new AlwaysOffSampler() }) });
    await fn((x: unknown) => x).invoke(input);
    expect(counter.reads).toBe(0);
  });

  it('span not recording (sampled out): a failure is not captured (message and stack never read)', async () => {
    const counter = { reads: 0 };
    const error = new Error('unused');
    Object.defineProperty(error, 'message', {
      get() {
        counter.reads++;
        return 'failed';
      },
    });
    Object.defineProperty(error, 'stack', {
      get() {
        counter.reads++;
        return 'Error: failed\n    at f (file.ts:1:1)';
      },
    });
    // Replacing `stack` materializes V8's lazy stack, which reads the message once: not a capture.
    counter.reads = 0;
    configureTracing({ tracerProvider: new BasicTracerProvider({ sampler: new AlwaysOffSampler() }) });
    const failing = fn((_x: unknown) => {
      throw error;
    });
    await expect(failing.invoke('x')).rejects.toBe(error);
    expect(counter.reads).toBe(0);
  });

  it('content capture off: spans without input/output attributes', async () => {
    const { counter, input } = countingInput();
    await runWithTraceContext({ captureContent: false }, () =>
      fn((x: unknown) => x, { name: 'f' }).invoke(input),
    );
    expect(counter.reads).toBe(0);
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes['lazytrace.input']).toBeUndefined();
    expect(span?.attributes['lazytrace.output']).toBeUndefined();
  });

  it('no SDK registered: the global no-op tracer, nothing recorded, results intact', async () => {
    configureTracing({ tracerProvider: null });
    trace.disable();
    const { counter, input } = countingInput();
    expect(await ragPipeline().invoke('q')).toMatch(/^answer/);
    expect(await fn((x: unknown) => x).invoke(input)).toBe(input);
    expect(counter.reads).toBe(0);
  });
});

describe('errors and flow details', () => {
  it('a failing step marks its span and every enclosing span ERROR with the exception', async () => {
    class Boom extends TypeError {}
    const failure = new Boom('the index is gone');
    const flow = pipeline({ ok: (x: number) => x, broken: () => Promise.reject(failure) }, { name: 'flow' });
    await expect(flow.invoke(1)).rejects.toBe(failure);
    const spans = exporter.getFinishedSpans();
    for (const name of ['broken', 'flow']) {
      const span = byName(spans, name);
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'the index is gone' });
      expect(span.attributes['error.type']).toBe('TypeError');
      const event = span.events.find((e) => e.name === 'exception');
      expect(event?.attributes?.['exception.message']).toBe('the index is gone');
    }
    expect(byName(spans, 'ok').status.code).toBe(SpanStatusCode.UNSET);
  });

  it('a thrown non-Error is recorded too', async () => {
    await expect(fn(() => Promise.reject('plain string'), { name: 's' }).invoke(0)).rejects.toBe(
      'plain string',
    );
    const [span] = exporter.getFinishedSpans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['error.type']).toBe('string');
  });

  it('records the ifs branch, the switch case and the loop iteration count', async () => {
    const decide = ifs(
      (x: number) => x > 0,
      (x: number) => `pos ${x}`,
      (x: number) => `neg ${x}`,
      { name: 'sign' },
    );
    expect(await decide.invoke(5)).toBe('pos 5');
    expect(await decide.invoke(-5)).toBe('neg -5');
    const router = switchCase(
      (x: { lang: string }) => x.lang,
      { en: () => 'hello', fr: () => 'bonjour' },
      () => '?',
      {
        name: 'router',
      },
    );
    expect(await router.invoke({ lang: 'fr' })).toBe('bonjour');
    expect(await router.invoke({ lang: 'de' })).toBe('?');
    const counter = loop((x: number) => x * 2, { until: (x: number) => x > 100, name: 'grow' });
    expect(await counter.invoke(1)).toBe(128);

    const spans = exporter.getFinishedSpans();
    expect(spans.filter((s) => s.name === 'sign').map((s) => s.attributes['lazytrace.ifs.branch'])).toEqual([
      'then',
      'else',
    ]);
    expect(spans.filter((s) => s.name === 'then')).toHaveLength(1);
    expect(
      spans.filter((s) => s.name === 'router').map((s) => s.attributes['lazytrace.switch.case']),
    ).toEqual(['fr', 'default']);
    const grow = byName(spans, 'grow');
    expect(grow.attributes['lazytrace.loop.iterations']).toBe(7);
    expect(spans.filter((s) => parentId(s) === spanId(grow))).toHaveLength(7);
  });

  it('puts session, user, tags, metadata and trace name on every span', async () => {
    await runWithTraceContext(
      {
        sessionId: 'sess-1',
        userId: 'u-9',
        tags: ['beta', 'rag'],
        metadata: { tenant: 'acme' },
        traceName: 'ask',
      },
      () => ragPipeline().invoke('q'),
    );
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(5);
    for (const span of spans) {
      expect(span.attributes['session.id']).toBe('sess-1');
      expect(span.attributes['user.id']).toBe('u-9');
      expect(span.attributes['lazytrace.tags']).toEqual(['beta', 'rag']);
      expect(span.attributes['lazytrace.metadata.tenant']).toBe('acme');
      expect(span.attributes['lazytrace.trace.name']).toBe('ask');
    }
  });

  it('nests under an application span that is active at call time', async () => {
    const tracer = provider.getTracer('app');
    await tracer.startActiveSpan('http.request', async (span) => {
      await ragPipeline().invoke('q');
      span.end();
    });
    const spans = exporter.getFinishedSpans();
    const http = byName(spans, 'http.request');
    const root = byName(spans, 'rag');
    expect(parentId(root)).toBe(spanId(http));
    expect(root.attributes['lazytrace.root']).toBe(true);
  });

  it('counts the documents of a retriever or reranker that returns a list, and of no other kind', async () => {
    await fn(async () => ['a', 'b', 'c'], { name: 'search', kind: 'retriever' }).invoke('q');
    await fn(async () => ['a', 'b'], { name: 'rerank', kind: 'reranker' }).invoke(['b', 'a']);
    await fn(async () => ['a', 'b'], { name: 'split', kind: 'module' }).invoke('a b');
    await fn(async () => 'a', { name: 'one', kind: 'retriever' }).invoke('q');
    const spans = exporter.getFinishedSpans();
    expect(byName(spans, 'search').attributes['lazytrace.documents.count']).toBe(3);
    expect(byName(spans, 'rerank').attributes['lazytrace.documents.count']).toBe(2);
    expect(byName(spans, 'split').attributes['lazytrace.documents.count']).toBeUndefined();
    expect(byName(spans, 'one').attributes['lazytrace.documents.count']).toBeUndefined();
  });
});
