import { LazytraceSampler, withTrace } from '@lazytrace/config';
import { type CallContext, configureTracing, fn } from '@lazytrace/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { traceId } from '../../support/otel.js';
import { provider, useTestTracing } from '../support.js';

// Review of sampling on the direct path (issue #10, H3): with lazytrace's own hook alone, a trace
// is still kept or dropped whole, `sampled: true` still forces it, `sampled: false` still drops
// it, and a sampled-out call neither records nor reads content. Uses @lazytrace/config's sampler
// and withTrace, as an application does.

useTestTracing();
afterEach(() => configureTracing({ tracerProvider: provider }));

function sampledProvider(rate: number) {
  const kept = new InMemorySpanExporter();
  configureTracing({
    tracerProvider: new BasicTracerProvider({
      sampler: new LazytraceSampler(rate),
      spanProcessors: [new SimpleSpanProcessor(kept)],
    }),
  });
  return kept;
}

const leaf = fn(async (x: number) => x, { name: 'leaf' });
const middle = fn(async (x: number) => (await leaf.invoke(x)) + (await leaf.invoke(x + 1)), {
  name: 'middle',
});
const top = fn(async (x: number) => middle.invoke(x), { name: 'top' });

describe('LazytraceSampler on the direct path', () => {
  it('rate 0.5 over 300 requests: every trace kept whole (4 spans) or not at all; some of each', async () => {
    const kept = sampledProvider(0.5);
    const outs = await Promise.all(Array.from({ length: 300 }, (_, i) => top.invoke(i)));
    expect(outs).toEqual(Array.from({ length: 300 }, (_, i) => 2 * i + 1));
    const byTrace = new Map<string, string[]>();
    for (const span of kept.getFinishedSpans()) {
      const list = byTrace.get(traceId(span)) ?? [];
      list.push(span.name);
      byTrace.set(traceId(span), list);
    }
    for (const names of byTrace.values()) expect(names.sort()).toEqual(['leaf', 'leaf', 'middle', 'top']);
    // 300 fair coin flips: both outcomes occur (probability of failure ~2^-299).
    expect(byTrace.size).toBeGreaterThan(0);
    expect(byTrace.size).toBeLessThan(300);
  });

  it('rate 0: nothing, except a request marked sampled: true, which is kept whole', async () => {
    const kept = sampledProvider(0);
    await top.invoke(1);
    expect(kept.getFinishedSpans()).toHaveLength(0);
    await withTrace({ sampled: true }, () => top.invoke(2));
    expect(
      kept
        .getFinishedSpans()
        .map((s) => s.name)
        .sort(),
    ).toEqual(['leaf', 'leaf', 'middle', 'top']);
  });

  it('rate 1 with sampled: false: no span, ctx.recording false, content never read', async () => {
    const kept = sampledProvider(1);
    let reads = 0;
    const input = {
      get secret() {
        reads++;
        return 's';
      },
    };
    const recording: boolean[] = [];
    const probe = fn(
      (x: typeof input, ctx: CallContext) => {
        recording.push(ctx.recording);
        return x;
      },
      { name: 'probe' },
    );
    expect(await withTrace({ sampled: false }, () => probe.invoke(input))).toBe(input);
    expect(reads).toBe(0);
    expect(recording).toEqual([false]);
    expect(kept.getFinishedSpans()).toHaveLength(0);
    await probe.invoke(input);
    expect(recording).toEqual([false, true]);
    expect(kept.getFinishedSpans()).toHaveLength(1);
  });

  it('the root switched off (a stand-in): its children are still kept or dropped whole per request', async () => {
    const kept = sampledProvider(0.5);
    const modules = { byName: { top: false } };
    await Promise.all(Array.from({ length: 200 }, (_, i) => withTrace({ modules }, () => top.invoke(i))));
    const byTrace = new Map<string, string[]>();
    for (const span of kept.getFinishedSpans()) {
      const list = byTrace.get(traceId(span)) ?? [];
      list.push(span.name);
      byTrace.set(traceId(span), list);
    }
    for (const names of byTrace.values()) expect(names.sort()).toEqual(['leaf', 'leaf', 'middle']);
    expect(byTrace.size).toBeGreaterThan(0);
    expect(byTrace.size).toBeLessThan(200);
  });
});
