import { randomUUID } from 'node:crypto';
import { getTracingStats, initTracing, shutdownTracing, withTrace } from '@lazytrace/config';
import { fn, type Hook, parallel, pipeline, setLogger } from '@lazytrace/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver } from '../support/otlp-receiver.js';

afterEach(async () => {
  await shutdownTracing();
  setLogger(undefined);
});

describe('under load', () => {
  it('hooks failing at random under 1,000 concurrent requests change no result and no error', async () => {
    const warnings: string[] = [];
    setLogger({ warn: (m) => warnings.push(m) });
    let calls = 0;
    class Chaos implements Hook {
      static hookName = 'chaos';
      private maybeFail(phase: string) {
        // Deterministic "random": every third call of a phase throws.
        if (++calls % 3 === 0) throw new Error(`chaos in ${phase}`);
      }
      pre() {
        this.maybeFail('pre');
      }
      post() {
        this.maybeFail('post');
      }
      onError() {
        this.maybeFail('onError');
      }
      finalize() {
        this.maybeFail('finalize');
      }
      around<R>(next: () => R): R {
        if (++calls % 5 === 0) throw new Error('chaos in around');
        return next();
      }
    }
    const failure = new RangeError('odd input');
    const step = fn(
      (x: number) => {
        if (x % 2 === 1) throw failure;
        return x * 10;
      },
      { name: 'step' },
    ).registerHook(Chaos);
    const flow = pipeline({
      fanout: parallel([step, fn((x: number) => x + 1).registerHook(Chaos)]),
    }).registerHook(Chaos);
    const outcomes = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        withTrace({ sessionId: `s-${i}` }, () => flow.invoke(i)).then(
          (v) => ({ ok: true, v }),
          (e: unknown) => ({ ok: false, e }),
        ),
      ),
    );
    outcomes.forEach((o, i) => {
      if (i % 2 === 1) expect(o).toEqual({ ok: false, e: failure });
      else expect(o).toEqual({ ok: true, v: [i * 10, i + 1] });
    });
    for (const o of outcomes) if (!o.ok) expect((o as { e: unknown }).e).toBe(failure);
    // Reported: one line per failing phase of the hook, not one per call.
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.length).toBeLessThanOrEqual(5);
  });

  it('a flush at shutdown loses nothing when the backend is up', async () => {
    const receiver = await startOtlpReceiver();
    try {
      initTracing({
        backends: ['otlp'],
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
        flushOnExit: false,
      });
      const flow = pipeline({ a: (x: string) => x, b: async (x: string) => `${x}!` }, { name: 'flow' });
      // A burst just below the per-backend bound (2,048 spans waiting), then shutdown at once.
      await Promise.all(Array.from({ length: 680 }, () => flow.invoke(randomUUID())));
      expect(getTracingStats()).toMatchObject({ ended: 2040, dropped: 0 });
      await shutdownTracing();
      const received = await receiver.waitFor(2040);
      expect(received).toHaveLength(2040);
      expect(new Set(received.map((s) => s.spanId)).size).toBe(2040);
    } finally {
      await receiver.close();
    }
  });

  it('a burst beyond what the backend can take is dropped and counted, never queued without bound', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const handle = initTracing({
        backends: ['otlp'],
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
        flushOnExit: false,
      });
      const flow = pipeline({ a: (x: string) => x, b: async (x: string) => `${x}!` }, { name: 'flow' });
      await Promise.all(Array.from({ length: 3000 }, () => flow.invoke(randomUUID())));
      await shutdownTracing();
      const { dropped, exported } = handle.stats();
      const received = await receiver.waitFor(exported);
      expect(received).toHaveLength(exported);
      expect(exported + dropped).toBe(9000);
      expect(dropped).toBeGreaterThan(0);
    } finally {
      await receiver.close();
    }
  });
});
