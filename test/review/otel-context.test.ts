import {
  type CallContext,
  fn,
  type Hook,
  Module,
  parallel,
  pipeline,
  registerHookProvider,
  withTrace,
} from '@lazytrace/core';
import { context, createContextKey, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { suppressTracing, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { beforeEach, describe, expect, it } from 'vitest';
import { parentId, spanId, traceId } from '../support/otel.js';
import { exporter, provider, useTestTracing } from './support.js';

// Review of "one small OTel context per call" (core 78275a5, bca30fd): what user code sees of the
// OTel context inside a traced call must be what a BaseContext copy gave — the call's span
// active, every key of the caller's context readable, the app's own spans and `context.with`
// nesting as usual — with and without a user hook (the short path and the guarded one).

useTestTracing();

const APP_KEY = createContextKey('review.app-key');
const INNER_KEY = createContextKey('review.inner-key');

class Noop implements Hook {}

const withAndWithoutUserHook = [
  ['only lazytrace’s hook', false],
  ['a user hook too', true],
] as const;

function findByName(spans: readonly ReadableSpan[], name: string): ReadableSpan[] {
  return spans.filter((s) => s.name === name);
}

describe.each(withAndWithoutUserHook)('OTel context inside a traced call (%s)', (_label, userHook) => {
  let remove: (() => void) | undefined;
  beforeEach(() => {
    remove = userHook ? registerHookProvider(() => [Noop]) : undefined;
    return () => remove?.();
  });

  it('active span is the call’s span; caller’s keys are readable; app spans nest between lazytrace calls', async () => {
    const appTracer = provider.getTracer('the-app');
    const seen: Record<string, unknown> = {};
    const leaf = fn(
      async (x: string) => {
        seen.leafKey = context.active().getValue(APP_KEY);
        seen.leafInner = context.active().getValue(INNER_KEY);
        seen.leafActive = trace.getActiveSpan()?.spanContext().spanId;
        await new Promise((r) => setTimeout(r, 1));
        seen.leafActiveAfterTimer = trace.getActiveSpan()?.spanContext().spanId;
        return x;
      },
      { name: 'leaf' },
    );
    class Outer extends Module<string, string> {
      async forward(input: string, _ctx: CallContext) {
        seen.outerKey = context.active().getValue(APP_KEY);
        seen.outerActive = trace.getActiveSpan()?.spanContext().spanId;
        // The app's own span around a lazytrace call, and a context value set by the app.
        return appTracer.startActiveSpan('app-work', async (appSpan) => {
          try {
            return await context.with(context.active().setValue(INNER_KEY, 'inner'), () =>
              leaf.invoke(input),
            );
          } finally {
            appSpan.end();
          }
        });
      }
    }
    const outer = new Outer({ name: 'outer' });
    const out = await context.with(ROOT_CONTEXT.setValue(APP_KEY, 'from-app'), () => outer.invoke('v'));
    expect(out).toBe('v');
    // Outside the call, nothing of it is active.
    expect(trace.getActiveSpan()).toBeUndefined();

    const spans = exporter.getFinishedSpans();
    const [outerSpan] = findByName(spans, 'outer');
    const [appSpan] = findByName(spans, 'app-work');
    const [leafSpan] = findByName(spans, 'leaf');
    expect(parentId(appSpan!)).toBe(spanId(outerSpan!));
    expect(parentId(leafSpan!)).toBe(spanId(appSpan!));
    expect(new Set(spans.map(traceId)).size).toBe(1);
    expect(seen).toEqual({
      outerKey: 'from-app',
      outerActive: spanId(outerSpan!),
      leafKey: 'from-app',
      leafInner: 'inner',
      leafActive: spanId(leafSpan!),
      leafActiveAfterTimer: spanId(leafSpan!),
    });
  });

  it('the W3C propagator injects the call’s own traceparent inside forward (what an outgoing HTTP request carries)', async () => {
    const propagator = new W3CTraceContextPropagator();
    const headers: Record<string, string>[] = [];
    const call = fn(
      async () => {
        await Promise.resolve();
        const carrier: Record<string, string> = {};
        propagator.inject(context.active(), carrier, {
          set: (c, k, v) => {
            c[k] = v;
          },
        });
        headers.push(carrier);
      },
      { name: 'outgoing' },
    );
    await Promise.all([call.invoke(undefined), call.invoke(undefined), call.invoke(undefined)]);
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(3);
    const expected = new Set(spans.map((s) => `00-${traceId(s)}-${spanId(s)}-01`));
    expect(new Set(headers.map((h) => h.traceparent))).toEqual(expected);
    void propagation;
  });

  it('an incoming remote parent (extracted traceparent) becomes the parent of the request root', async () => {
    const propagator = new W3CTraceContextPropagator();
    const incoming = propagator.extract(
      ROOT_CONTEXT,
      { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      { get: (c, k) => (c as Record<string, string>)[k], keys: (c) => Object.keys(c as object) },
    );
    const app = pipeline([fn((x: number) => x + 1, { name: 'inc' })], { name: 'root' });
    await context.with(incoming, () => app.invoke(1));
    const spans = exporter.getFinishedSpans();
    expect(spans.every((s) => traceId(s) === '0af7651916cd43dd8448eb211c80319c')).toBe(true);
    const root = spans.find((s) => s.name === 'root')!;
    expect(parentId(root)).toBe('b7ad6b7169203331');
    expect(root.parentSpanContext?.isRemote).toBe(true);
  });

  it('context.with(ROOT_CONTEXT) inside forward detaches the app’s code from the call, as with OTel alone', async () => {
    let activeInRoot: unknown = 'unset';
    const call = fn(
      () =>
        context.with(ROOT_CONTEXT, () => {
          activeInRoot = trace.getActiveSpan();
        }),
      { name: 'detach' },
    );
    await call.invoke(undefined);
    expect(activeInRoot).toBeUndefined();
  });

  it('context.bind of a callback inside forward keeps the call’s span for a later event, under concurrency', async () => {
    const seenBy: Record<string, string | undefined> = {};
    const later: (() => void)[] = [];
    const step = fn(
      (name: string) => {
        later.push(
          context.bind(context.active(), () => (seenBy[name] = trace.getActiveSpan()?.spanContext().spanId)),
        );
        return name;
      },
      { name: 'binder' },
    );
    await withTrace({ sessionId: 's' }, () => Promise.all(['a', 'b', 'c'].map((n) => step.invoke(n))));
    for (const cb of later) cb();
    const spans = exporter.getFinishedSpans();
    const byInput = Object.fromEntries(
      spans.map((s) => [JSON.parse(String(s.attributes['lazytrace.input'])), spanId(s)]),
    );
    expect(seenBy).toEqual(byInput);
  });

  it('parallel branches each see their own span; the app span made in a branch parents only that branch’s call', async () => {
    const appTracer = provider.getTracer('the-app');
    const inner = fn((x: string) => x, { name: 'inner' });
    const branch = (name: string) =>
      fn(
        (x: string) =>
          appTracer.startActiveSpan(`app-${name}`, async (s) => {
            await new Promise((r) => setTimeout(r, name === 'a' ? 2 : 0));
            const r = await inner.invoke(x + name);
            s.end();
            return r;
          }),
        { name },
      );
    const flow = parallel({ a: branch('a'), b: branch('b') }, { name: 'par' });
    expect(await flow.invoke('x')).toEqual({ a: 'xa', b: 'xb' });
    const spans = exporter.getFinishedSpans();
    const id = (n: string) => spanId(spans.find((s) => s.name === n)!);
    for (const n of ['a', 'b']) {
      expect(parentId(spans.find((s) => s.name === n)!)).toBe(id('par'));
      expect(parentId(spans.find((s) => s.name === `app-${n}`)!)).toBe(id(n));
      const innerSpan = spans.find(
        (s) => s.name === 'inner' && s.attributes['lazytrace.input'] === JSON.stringify(`x${n}`),
      )!;
      expect(parentId(innerSpan)).toBe(id(`app-${n}`));
    }
  });
  it('suppressTracing and baggage set by the app reach the calls inside (suppressed: not recorded; baggage readable)', async () => {
    const seen: unknown[] = [];
    const leaf = fn(
      (x: number, ctx: CallContext) => {
        seen.push([ctx.recording, propagation.getBaggage(context.active())?.getEntry('tenant')?.value]);
        return x;
      },
      { name: 'leaf' },
    );
    const outer = fn(
      async (x: number) => {
        const suppressed = await context.with(suppressTracing(context.active()), () => leaf.invoke(x));
        const normal = await leaf.invoke(x + 1);
        return suppressed + normal;
      },
      { name: 'outer-suppress' },
    );
    const withBaggage = propagation.setBaggage(
      ROOT_CONTEXT,
      propagation.createBaggage({ tenant: { value: 't-1' } }),
    );
    expect(await context.with(withBaggage, () => outer.invoke(1))).toBe(3);
    expect(seen).toEqual([
      [false, 't-1'],
      [true, 't-1'],
    ]);
    expect(
      exporter
        .getFinishedSpans()
        .map((s) => s.name)
        .sort(),
    ).toEqual(['leaf', 'outer-suppress']);
  });
});
