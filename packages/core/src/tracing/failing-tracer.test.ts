import { type Span, type Tracer, type TracerProvider, trace } from '@opentelemetry/api';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { installTestTracing, uninstallTestTracing } from '../../../../test/support/otel.js';
import { configureTracing, fn, setLogger } from '../index.js';

/**
 * A traced call with lazytrace's own hook alone runs on a direct path (runnables/run.ts, no
 * `Lifecycle`): a tracer failing in any phase must still never reach the business code's caller.
 */
function providerFailingIn(phase: 'startSpan' | 'end'): TracerProvider {
  const real = trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 });
  const span = new Proxy(real, {
    get(target, key) {
      if (key === 'end' && phase === 'end')
        return () => {
          throw new Error('end failed');
        };
      if (key === 'isRecording') return () => true;
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Span;
  const tracer = {
    startSpan() {
      if (phase === 'startSpan') throw new Error('startSpan failed');
      return span;
    },
  } as unknown as Tracer;
  return { getTracer: () => tracer };
}

const warnings: string[] = [];
setLogger({ warn: (message) => warnings.push(message) });
afterEach(() => configureTracing({ tracerProvider: null }));
afterAll(() => {
  setLogger(undefined);
  installTestTracing();
  uninstallTestTracing();
});

describe.each(['startSpan', 'end'] as const)('a tracer failing in %s', (phase) => {
  it('leaves the value of an async call as it is', async () => {
    configureTracing({ tracerProvider: providerFailingIn(phase) });
    const output = { answer: 42 };
    await expect(fn(async () => output, { name: 'step' }).invoke(1)).resolves.toBe(output);
    expect(warnings.some((w) => w.includes('lazytrace.tracing'))).toBe(true);
  });

  it('leaves the value of a sync call as it is', async () => {
    configureTracing({ tracerProvider: providerFailingIn(phase) });
    await expect(fn((x: number) => x + 1, { name: 'step' }).invoke(1)).resolves.toBe(2);
  });

  it("rejects with the business code's own error, sync or async", async () => {
    configureTracing({ tracerProvider: providerFailingIn(phase) });
    const own = new Error('business');
    await expect(
      fn(
        async () => {
          throw own;
        },
        { name: 'step' },
      ).invoke(1),
    ).rejects.toBe(own);
    await expect(
      fn(
        () => {
          throw own;
        },
        { name: 'step' },
      ).invoke(1),
    ).rejects.toBe(own);
  });

  it('streams the same chunks', async () => {
    configureTracing({ tracerProvider: providerFailingIn(phase) });
    async function* tokens() {
      yield 'a';
      yield 'b';
    }
    const stream = (await fn(tokens, { name: 'stream' }).invoke(null)) as AsyncIterable<string>;
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toEqual(['a', 'b']);
  });
});
