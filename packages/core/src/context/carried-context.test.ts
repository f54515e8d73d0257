import { context, trace } from '@opentelemetry/api';
import type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installTestTracing, parentId, spanId, uninstallTestTracing } from '../../../../test/support/otel.js';
import { type CallContext, fn, getTraceId, pipeline, setTraceDefaults } from '../index.js';
import { enterTraceContext, getTraceContext, runWithTraceContext } from '../internal.js';

// Issue 9, items 2 and 13: the trace context is fixed when a call starts and travels with the
// call (in the OTel context its `around` re-enters), not with whoever reads it later.

let exporter: InMemorySpanExporter;
beforeEach(() => {
  ({ exporter } = installTestTracing());
});
afterEach(() => setTraceDefaults({}));
afterAll(() => uninstallTestTracing());

const tick = () => new Promise((r) => setTimeout(r, 1));

/** An app whose answer is a stream; each chunk is produced by a traced call made during the pull. */
function streamingApp() {
  const token = fn(async (i: number) => `token-${i} `, { name: 'token', kind: 'llm' });
  const seen: (string | undefined)[] = [];
  const generate = fn(
    async function* generate(q: string) {
      for (let i = 0; i < 3; i++) {
        await tick();
        seen.push(getTraceContext().sessionId);
        yield await token.invoke(i);
      }
      yield `(${q})`;
    },
    { name: 'generate', kind: 'llm' },
  );
  return { app: pipeline({ generate }, { name: 'app' }), seen };
}

async function drain(stream: AsyncIterable<unknown>): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

const named = (spans: readonly ReadableSpan[], name: string) => spans.filter((s) => s.name === name);

describe('a stream consumed after withTrace returned (item 2)', () => {
  it('captureContent: false holds for calls made while it is pulled; session and user stay', async () => {
    const { app, seen } = streamingApp();
    const stream = await runWithTraceContext({ captureContent: false, sessionId: 's-a', userId: 'u-a' }, () =>
      app.invoke('q'),
    );
    expect(await drain(stream as AsyncIterable<string>)).toBe('token-0 token-1 token-2 (q)');
    const spans = exporter.getFinishedSpans();
    expect(named(spans, 'token')).toHaveLength(3);
    for (const span of spans) {
      expect(span.attributes['lazytrace.input']).toBeUndefined();
      expect(span.attributes['lazytrace.output']).toBeUndefined();
      expect(span.attributes['session.id']).toBe('s-a');
      expect(span.attributes['user.id']).toBe('u-a');
    }
    expect(seen).toEqual(['s-a', 's-a', 's-a']);
  });

  it('enabled: false holds for calls made while it is pulled: no span at all, not even orphans', async () => {
    const { app } = streamingApp();
    const stream = await runWithTraceContext({ enabled: false }, () => app.invoke('q'));
    expect(await drain(stream as AsyncIterable<string>)).toBe('token-0 token-1 token-2 (q)');
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('handed to another request, it keeps its own request: session, trace, parent', async () => {
    const { app, seen } = streamingApp();
    const stream = await runWithTraceContext({ sessionId: 'producer', tags: ['a'] }, () => app.invoke('q'));
    await runWithTraceContext({ sessionId: 'consumer', tags: ['b'], captureContent: false }, async () => {
      await fn(async () => drain(stream as AsyncIterable<string>), { name: 'consume' }).invoke(null);
    });
    const spans = exporter.getFinishedSpans();
    const generate = named(spans, 'generate')[0]!;
    for (const token of named(spans, 'token')) {
      expect(token.attributes['session.id']).toBe('producer');
      expect(token.attributes['lazytrace.tags']).toEqual(['a']);
      expect(token.attributes['lazytrace.output']).toBeDefined();
      expect(token.spanContext().traceId).toBe(generate.spanContext().traceId);
      expect(parentId(token)).toBe(spanId(generate));
    }
    expect(seen).toEqual(['producer', 'producer', 'producer']);
    expect(named(spans, 'consume')[0]!.attributes['session.id']).toBe('consumer');
  });

  it('a withTrace inside the generator applies on top of the producer’s context', async () => {
    const inner = fn(async () => getTraceContext(), { name: 'inner' });
    const gen = fn(async function* () {
      yield await runWithTraceContext({ userId: 'inner-user' }, () => inner.invoke(null));
    });
    const stream = await runWithTraceContext({ sessionId: 'p' }, () => gen.invoke(null));
    const [tc] = await runWithTraceContext({ sessionId: 'c' }, async () => {
      const out = [];
      for await (const x of stream as AsyncIterable<ReturnType<typeof getTraceContext>>) out.push(x);
      return out;
    });
    expect(tc).toMatchObject({ sessionId: 'p', userId: 'inner-user' });
    expect(named(exporter.getFinishedSpans(), 'inner')[0]!.attributes['session.id']).toBe('p');
  });
});

describe('children started on another request’s tick (item 2)', () => {
  it('a callback bound to a call’s context and run from another request sees the call’s request', async () => {
    // A shared batcher: request A enqueues a callback bound to its call's context; request B's
    // tick flushes the queue. The child call belongs to A.
    const queue: (() => Promise<unknown>)[] = [];
    const child = fn(async () => getTraceContext().userId, { name: 'child' });
    const enqueue = fn(
      () => {
        queue.push(context.bind(context.active(), () => child.invoke(null)));
      },
      { name: 'enqueue' },
    );
    await runWithTraceContext({ userId: 'A', captureContent: false }, () => enqueue.invoke(null));
    const results = await runWithTraceContext({ userId: 'B' }, () =>
      Promise.all(queue.splice(0).map((run) => run())),
    );
    expect(results).toEqual(['A']);
    const span = named(exporter.getFinishedSpans(), 'child')[0]!;
    expect(span.attributes['user.id']).toBe('A');
    expect(span.attributes['lazytrace.output']).toBeUndefined();
    expect(parentId(span)).toBe(spanId(named(exporter.getFinishedSpans(), 'enqueue')[0]!));
  });

  it('a timer set inside a call keeps the call’s context after the scope was left', async () => {
    let timerContext: ReturnType<typeof getTraceContext> | undefined;
    const done = new Promise<void>((resolve) => {
      const call = fn(
        () => {
          setTimeout(() => {
            timerContext = getTraceContext();
            resolve();
          }, 5);
        },
        { name: 'schedule' },
      );
      void runWithTraceContext({ sessionId: 'timer-session' }, () => call.invoke(null));
    });
    await done;
    expect(timerContext?.sessionId).toBe('timer-session');
  });

  it('setTrace and withTrace inside a call still apply to what they run', async () => {
    const leaf = fn(async () => getTraceContext(), { name: 'leaf' });
    const outer = fn(
      async () => {
        const scoped = await runWithTraceContext({ tags: ['inner'] }, () => leaf.invoke(null));
        await tick();
        enterTraceContext({ userId: 'set-inside' });
        const set = await leaf.invoke(null);
        return [scoped, set];
      },
      { name: 'outer' },
    );
    const [scoped, set] = (await runWithTraceContext({ sessionId: 's', tags: ['outer'] }, () =>
      outer.invoke(null),
    )) as ReturnType<typeof getTraceContext>[];
    expect(scoped).toMatchObject({ sessionId: 's', tags: ['outer', 'inner'] });
    expect(set).toMatchObject({ sessionId: 's', userId: 'set-inside', tags: ['outer'] });
  });
});

describe('the trace id (item 13)', () => {
  it('getTraceId() and ctx.traceId give the trace of the running call; undefined outside one', async () => {
    let fromCtx: string | undefined;
    let fromGetter: string | undefined;
    const step = fn(async (_: unknown, ctx: CallContext) => {
      await tick();
      fromCtx = ctx.traceId;
      fromGetter = getTraceId();
    });
    expect(getTraceId()).toBeUndefined();
    await pipeline([step], { name: 'with-id' }).invoke(null);
    const root = named(exporter.getFinishedSpans(), 'with-id')[0]!;
    expect(fromCtx).toBe(root.spanContext().traceId);
    expect(fromGetter).toBe(root.spanContext().traceId);
    expect(fromCtx).toMatch(/^[0-9a-f]{32}$/);
  });

  it('is the active trace of an application span too, and undefined with tracing off', async () => {
    const tracer = trace.getTracer('app');
    let outside: string | undefined;
    let id: string | undefined;
    await context.with(trace.setSpan(context.active(), tracer.startSpan('x')), async () => {
      outside = getTraceId();
    });
    expect(outside).toBeUndefined(); // no global provider: the app span is a no-op span
    await runWithTraceContext({ enabled: false }, () =>
      fn((_: unknown, ctx: CallContext) => {
        id = ctx.traceId;
      }).invoke(null),
    );
    expect(id).toBeUndefined();
  });
});

describe('tracing switched back on inside a call that records nothing', () => {
  it('the first span under it is a request root', async () => {
    const child = fn(async () => 'x', { name: 'child' });
    const outer = fn(() => runWithTraceContext({ enabled: true }, () => child.invoke(null)), {
      name: 'outer',
    });
    await runWithTraceContext({ enabled: false }, () => outer.invoke(null));
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['child']);
    expect(spans[0]!.attributes['lazytrace.root']).toBe(true);
  });
});
