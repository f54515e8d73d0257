import {
  type CallContext,
  fn,
  type Hook,
  parallel,
  pipeline,
  registerHookProvider,
  retry,
  TimeoutError,
  timeout,
  withTrace,
} from '@lazytrace/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { parentId, spanId } from '../support/otel.js';
import { exporter, useTestTracing } from './support.js';

// Nested flows with retry and timeout, errors, concurrent requests and a user `around` hook:
// the business code runs once per attempt, the caller gets its own error instance, every span
// ends with the right status under the right parent.

useTestTracing();

const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

const childrenOf = (spans: readonly ReadableSpan[], parent: ReadableSpan) =>
  spans.filter((s) => parentId(s) === spanId(parent));

describe('nested flows with retry, timeout and errors', () => {
  it('runs each attempt once under an around hook, keeps the caller’s error instance, ends every span under its parent', async () => {
    const runs = new Map<string, number>();
    const count = (key: string) => runs.set(key, (runs.get(key) ?? 0) + 1);
    let arounds = 0;
    class Around implements Hook {
      static priority = 10;
      around<R>(next: () => R): R {
        arounds++;
        return next();
      }
    }
    const remove = registerHookProvider(() => [Around]);
    const permanent = new RangeError('permanent');
    const slow = fn(
      async (q: string, ctx: CallContext) => {
        count(`slow:${q}`);
        await pause(q === 'late' ? 1_000 : 1, ctx.signal);
        return `slow:${q}`;
      },
      { name: 'slow' },
    );
    const flaky = fn(
      (q: string) => {
        count(`flaky:${q}`);
        if (q === 'bad') throw permanent;
        if ((runs.get(`flaky:${q}`) ?? 0) < 2) throw new Error('transient');
        return `flaky:${q}`;
      },
      { name: 'flaky' },
    );
    const app = pipeline(
      [parallel({ a: timeout(slow, 50), b: retry(flaky, { attempts: 3, backoff: 0 }) }), (r: unknown) => r],
      { name: 'app' },
    );
    let results: PromiseSettledResult<unknown>[];
    try {
      results = await Promise.allSettled(
        ['ok', 'late', 'bad'].map((q) => withTrace({ sessionId: q }, () => app.invoke(q))),
      );
    } finally {
      remove();
    }
    expect(results[0]).toEqual({ status: 'fulfilled', value: { a: 'slow:ok', b: 'flaky:ok' } });
    expect(results[1]!.status).toBe('rejected');
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(TimeoutError);
    expect(results[2]).toEqual({ status: 'rejected', reason: permanent });
    expect((results[2] as PromiseRejectedResult).reason).toBe(permanent);
    // Business code: once per attempt.
    expect(Object.fromEntries(runs)).toEqual({
      'slow:ok': 1,
      'slow:late': 1,
      'slow:bad': 1,
      'flaky:ok': 2,
      'flaky:late': 2,
      'flaky:bad': 3,
    });
    expect(arounds).toBeGreaterThan(0);

    const spans = exporter.getFinishedSpans();
    for (const q of ['ok', 'late', 'bad']) {
      const root = spans.find((s) => s.name === 'app' && s.attributes['session.id'] === q)!;
      expect(root, q).toBeDefined();
      const [par] = childrenOf(spans, root).filter((s) => s.attributes['lazytrace.class'] === 'Parallel');
      const branches = childrenOf(spans, par!);
      expect(branches.map((s) => s.name).sort()).toEqual(['a', 'b']);
      const a = branches.find((s) => s.name === 'a')!;
      const b = branches.find((s) => s.name === 'b')!;
      expect(childrenOf(spans, a).map((s) => s.name)).toEqual(['slow']);
      expect(
        childrenOf(spans, b)
          .map((s) => s.attributes['lazytrace.retry.attempt'])
          .sort(),
      ).toEqual(q === 'bad' ? [1, 2, 3] : [1, 2]);
      // ('bad': branch a may be aborted by its failing sibling, either status is right.)
      if (q !== 'bad') expect(a.status.code).toBe(q === 'late' ? 2 : 0);
      expect(root.status.code).toBe(q === 'ok' ? 0 : 2);
      if (q === 'late') expect(a.attributes['lazytrace.timeout.exceeded']).toBe(true);
      for (const s of spans.filter((x) => x.attributes['session.id'] === q))
        expect(s.endTime[0]).toBeGreaterThan(0);
    }
  });
});
