import { fn, getTrace, type Hook, type Invocation, pipeline, setTrace, withTrace } from '@lazytrace/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { parentId, spanId, traceId } from '../support/otel.js';
import { exporter, provider, useTestTracing } from './support.js';

// Review of the per-call lookup shared by the hook provider and the tracing hook (one lookup per
// call, kept in one object for the process): a user hook that runs before lazytrace's own
// (priority below 0) and calls another traced runnable in its `pre` must not make the hooked
// call take that runnable's context. And the parent of calls made while a stream is pulled.

useTestTracing();

const named = (spans: readonly ReadableSpan[], name: string) => {
  const found = spans.filter((s) => s.name === name);
  expect(found, name).toHaveLength(1);
  return found[0]!;
};

describe('a user hook that runs before lazytrace’s own and calls a traced runnable', () => {
  it('the hooked call keeps its own parent, trace and session; the hook’s call is the caller’s child', async () => {
    const moderation = fn(async (text: string) => text.includes('bad'), { name: 'moderation' });
    const pending: Promise<unknown>[] = [];
    class Guard implements Hook {
      static priority = -10;
      constructor(private readonly call: Invocation) {}
      pre(input: unknown) {
        // Started synchronously, before lazytrace's hook of the guarded call starts its span.
        pending.push(withTrace({ sessionId: 'moderation-session' }, () => moderation.invoke(String(input))));
        void this.call;
      }
    }
    const guarded = fn(async (q: string) => `answer:${q}`, { name: 'guarded' }).registerHook(Guard);
    const app = pipeline([fn((q: string) => q.trim(), { name: 'prep' }), guarded], { name: 'app' });
    const outs = await Promise.all(
      ['a', 'b', 'c'].map((q) => withTrace({ sessionId: `s-${q}` }, () => app.invoke(` ${q} `))),
    );
    await Promise.all(pending);
    expect(outs).toEqual(['answer:a', 'answer:b', 'answer:c']);
    const spans = exporter.getFinishedSpans();
    for (const q of ['a', 'b', 'c']) {
      const root = spans.find(
        (s) => s.name === 'app' && s.attributes['lazytrace.input'] === JSON.stringify(` ${q} `),
      )!;
      const mine = spans.filter((s) => traceId(s) === traceId(root));
      expect(mine.map((s) => s.name).sort(), q).toEqual(['app', 'guarded', 'moderation', 'prep']);
      const g = named(mine, 'guarded');
      expect(parentId(g)).toBe(spanId(root));
      expect(g.attributes['session.id']).toBe(`s-${q}`);
      expect(g.attributes['lazytrace.input']).toBe(JSON.stringify(q));
      const m = named(mine, 'moderation');
      expect(parentId(m)).toBe(spanId(root));
      expect(m.attributes['session.id']).toBe('moderation-session');
    }
  });
});

describe('calls made while a stream is pulled', () => {
  it('are children of the stream’s call, not of the app span or the call that consumes it', async () => {
    const appTracer = provider.getTracer('the-app');
    const step = fn(async (i: number) => i, { name: 'step' });
    const producer = fn(
      async function* produce() {
        for (let i = 0; i < 3; i++) yield await step.invoke(i);
      },
      { name: 'producer' },
    );
    const stream = (await withTrace({ sessionId: 'producer-session' }, () =>
      producer.invoke(undefined),
    )) as AsyncIterable<number>;
    const consumer = fn(
      async (s: AsyncIterable<number>) => {
        const got: number[] = [];
        for await (const v of s) got.push(v);
        return got;
      },
      { name: 'consumer' },
    );
    const got = await withTrace({ sessionId: 'consumer-session' }, () =>
      appTracer.startActiveSpan('app-span', async (span) => {
        try {
          return await consumer.invoke(stream);
        } finally {
          span.end();
        }
      }),
    );
    expect(got).toEqual([0, 1, 2]);
    const spans = exporter.getFinishedSpans();
    const producerSpan = named(spans, 'producer');
    const steps = spans.filter((s) => s.name === 'step');
    expect(steps).toHaveLength(3);
    for (const s of steps) {
      expect(parentId(s)).toBe(spanId(producerSpan));
      expect(traceId(s)).toBe(traceId(producerSpan));
      expect(s.attributes['session.id']).toBe('producer-session');
    }
    const consumerSpan = named(spans, 'consumer');
    expect(parentId(consumerSpan)).toBe(spanId(named(spans, 'app-span')));
    expect(consumerSpan.attributes['session.id']).toBe('consumer-session');
  });
});

describe('setTrace inside a traced call’s synchronous start', () => {
  for (const scope of [{ sessionId: 'caller' }, { sessionId: 'caller', enabled: false }]) {
    it(`stays in the call (its children get it), never in the caller’s next calls (${scope.enabled === false ? 'tracing off' : 'tracing on'})`, async () => {
      const sessions: (string | undefined)[] = [];
      const child = fn(
        () => {
          sessions.push(getTrace().sessionId);
        },
        { name: 'child' },
      );
      const setter = fn(
        async () => {
          setTrace({ sessionId: 'inner' });
          await child.invoke(undefined);
        },
        { name: 'setter' },
      );
      const after = fn(
        () => {
          sessions.push(getTrace().sessionId);
        },
        { name: 'after' },
      );
      await withTrace(scope, async () => {
        const pending = setter.invoke(undefined);
        sessions.push(getTrace().sessionId); // the caller, synchronously after invoke
        await after.invoke(undefined);
        await pending;
        await after.invoke(undefined);
        sessions.push(getTrace().sessionId);
      });
      // The child runs synchronously inside the setter's start, before the caller goes on.
      expect(sessions).toEqual(['inner', 'caller', 'caller', 'caller', 'caller']);
    });
  }
});
