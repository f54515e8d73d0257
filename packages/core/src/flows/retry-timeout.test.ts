import { SpanStatusCode } from '@opentelemetry/api';
import { beforeEach, describe, expect, it } from 'vitest';
import { byName, installTestTracing, parentId, spanId } from '../../../../test/support/otel.js';
import {
  type CallContext,
  fn,
  parallel,
  pipeline,
  Retry,
  retry,
  StreamCancelledError,
  TimeoutError,
  timeout,
} from '../index.js';
import {
  ATTR_RETRY_ATTEMPT,
  ATTR_RETRY_ATTEMPTS,
  ATTR_TIMEOUT_EXCEEDED,
  ATTR_TIMEOUT_MS,
} from '../tracing/attributes.js';

let exporter: ReturnType<typeof installTestTracing>['exporter'];
beforeEach(() => {
  ({ exporter } = installTestTracing());
});
const spans = () => exporter.getFinishedSpans();

/** Resolves when the signal is aborted (never otherwise): a step that honours ctx.signal. */
const aborted = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

describe('retry', () => {
  it('one span per attempt, numbered; the retry span records how many were made', async () => {
    let calls = 0;
    const flaky = fn(
      async (q: string) => {
        calls++;
        if (calls < 3) throw new Error(`fail ${calls}`);
        return `ok ${q}`;
      },
      { name: 'flaky' },
    );
    expect(await retry(flaky, { attempts: 5, backoff: 0 }).invoke('x')).toBe('ok x');
    const attempts = spans().filter((s) => s.name === 'flaky');
    const flow = byName(spans(), 'Retry');
    expect(attempts.map((s) => s.attributes[ATTR_RETRY_ATTEMPT])).toEqual([1, 2, 3]);
    expect(attempts.map((s) => s.status.code)).toEqual([
      SpanStatusCode.ERROR,
      SpanStatusCode.ERROR,
      SpanStatusCode.UNSET,
    ]);
    expect(attempts.every((s) => parentId(s) === spanId(flow))).toBe(true);
    expect(flow.attributes[ATTR_RETRY_ATTEMPTS]).toBe(3);
  });

  it('gives up after `attempts` with the last error, the same instance; backoff sees attempt and error', async () => {
    const errors: Error[] = [];
    const seen: [number, unknown][] = [];
    const always = fn(() => {
      const error = new Error(`attempt ${errors.length + 1}`);
      errors.push(error);
      throw error;
    });
    const flow = retry(always, {
      attempts: 3,
      backoff: (attempt, error) => {
        seen.push([attempt, error]);
        return 0;
      },
    });
    const thrown = await flow.invoke(1).catch((e: unknown) => e);
    expect(thrown).toBe(errors[2]);
    expect(errors).toHaveLength(3);
    expect(seen).toEqual([
      [1, errors[0]],
      [2, errors[1]],
    ]);
    expect(byName(spans(), 'Retry').attributes[ATTR_RETRY_ATTEMPTS]).toBe(3);
  });

  it('retryOn decides: an error it rejects is thrown at once', async () => {
    class Fatal extends Error {}
    let calls = 0;
    const fatal = new Fatal('no');
    const flow = retry(
      () => {
        calls++;
        throw fatal;
      },
      { attempts: 4, backoff: 0, retryOn: (error) => !(error instanceof Fatal) },
    );
    await expect(flow.invoke(null)).rejects.toBe(fatal);
    expect(calls).toBe(1);
  });

  it('validates its options', () => {
    expect(() => retry(() => 1, { attempts: 0 })).toThrow(/"attempts" must be an integer >= 1/);
    expect(() => retry(() => 1, { backoff: -1 })).toThrow(/"backoff" must be a number >= 0/);
    expect(new Retry(() => 1).attempts).toBe(3);
  });

  it('the child sees the enclosing ctx.input, like a step written without retry', async () => {
    const inputs: unknown[] = [];
    const step = (n: number, ctx: CallContext<string>) => {
      inputs.push(ctx.input);
      return n;
    };
    await pipeline([(s: string) => s.length, retry(step)]).invoke('abc');
    expect(inputs).toEqual(['abc']);
  });
});

describe('timeout and ctx.signal', () => {
  it('aborts the child with a TimeoutError and rejects with it; the span says it was exceeded', async () => {
    let reason: unknown;
    const slow = fn(async (_: string, ctx) => {
      try {
        return await aborted(ctx.signal);
      } catch (error) {
        reason = error;
        throw error;
      }
    });
    const flow = timeout(slow, 20, { name: 'limited' });
    const error = await flow.invoke('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).ms).toBe(20);
    expect(reason).toBe(error);
    const span = byName(spans(), 'limited');
    expect(span.attributes[ATTR_TIMEOUT_MS]).toBe(20);
    expect(span.attributes[ATTR_TIMEOUT_EXCEEDED]).toBe(true);
  });

  it('rejects at the limit even when the child ignores its signal', async () => {
    let release!: () => void;
    const deaf = fn(() => new Promise<string>((resolve) => (release = () => resolve('late'))));
    await expect(timeout(deaf, 10).invoke(0)).rejects.toBeInstanceOf(TimeoutError);
    release();
  });

  it('a result in time is returned as it is, nothing exceeded', async () => {
    expect(await timeout((x: number) => x + 1, 10_000).invoke(1)).toBe(2);
    expect(byName(spans(), 'Timeout').attributes[ATTR_TIMEOUT_EXCEEDED]).toBeUndefined();
  });

  it('the signal reaches every step of a flow under the timeout, however deep', async () => {
    const reasons: unknown[] = [];
    const wait = async (_: unknown, ctx: CallContext) => {
      await aborted(ctx.signal).catch((e: unknown) => reasons.push(e));
      return 'stopped';
    };
    const flow = timeout(pipeline([(x: number) => x, parallel([wait, pipeline([wait])])]), 20);
    const error = await flow.invoke(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    await new Promise((r) => setTimeout(r, 1));
    expect(reasons).toEqual([error, error]);
  });

  it('a caller aborting invoke(input, { signal }) aborts ctx.signal of every step', async () => {
    const controller = new AbortController();
    const step = fn(async (_: number, ctx) => {
      queueMicrotask(() => controller.abort(new Error('caller gave up')));
      return aborted(ctx.signal);
    });
    await expect(pipeline([step]).invoke(1, { signal: controller.signal })).rejects.toThrow('caller gave up');
  });

  it('a retry waiting out its backoff stops when the timeout fires', async () => {
    const failing = fn(() => {
      throw new Error('down');
    });
    const flow = timeout(retry(failing, { attempts: 5, backoff: 60_000 }), 20);
    await expect(flow.invoke(0)).rejects.toBeInstanceOf(TimeoutError);
    expect(byName(spans(), 'Retry').attributes[ATTR_RETRY_ATTEMPTS]).toBe(1);
  });

  it('a stream must end within the limit: it fails with the TimeoutError', async () => {
    const stuck = fn(async function* (_: string, ctx: CallContext) {
      yield 'first';
      await aborted(ctx.signal);
    });
    const stream = await timeout(stuck, 30).invoke('x');
    const chunks: string[] = [];
    const error = await (async () => {
      for await (const chunk of stream) chunks.push(chunk);
    })().catch((e: unknown) => e);
    expect(chunks).toEqual(['first']);
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it('a consumer that stops a stream early aborts the generator ctx.signal, also through a pipeline', async () => {
    const reasons: unknown[] = [];
    const tokens = fn(async function* (_: string, ctx: CallContext) {
      ctx.signal.addEventListener('abort', () => reasons.push(ctx.signal.reason));
      yield 'a';
      yield 'b';
    });
    for await (const _ of await tokens.invoke('x')) break;
    for await (const _ of await pipeline([tokens]).invoke('x')) break;
    expect(reasons).toHaveLength(2);
    expect(reasons.every((r) => r instanceof StreamCancelledError)).toBe(true);
  });

  it('ctx.signal is one signal per call, not aborted while the call runs', async () => {
    const seen: AbortSignal[] = [];
    await fn((_: number, ctx) => {
      seen.push(ctx.signal, ctx.signal);
    }).invoke(1);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[0]?.aborted).toBe(false);
  });
});
