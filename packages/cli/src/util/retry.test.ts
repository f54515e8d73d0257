import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Attempt, isRetryableStatus, parseRetryAfter, withRetries } from './retry.js';

const policy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 200 };

describe('Retry-After and retryable statuses', () => {
  it('reads delay-seconds and HTTP dates; ignores what it cannot read', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
  });

  it('429 and transient 5xx are retried; 4xx, 501 and 505 are not', () => {
    for (const status of [429, 500, 502, 503, 504, 599])
      expect(isRetryableStatus(status), String(status)).toBe(true);
    for (const status of [400, 401, 403, 404, 413, 501, 505])
      expect(isRetryableStatus(status), String(status)).toBe(false);
  });
});

describe('withRetries', () => {
  const failing = (retryable: boolean, retryAfterMs?: number): Attempt<string> => ({
    ok: false,
    retryable,
    error: new Error('nope'),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

  it('tries again while retryable, up to the attempts, and returns the success', async () => {
    let calls = 0;
    const outcome = await withRetries(
      async () => (++calls < 3 ? failing(true) : { ok: true, value: 'done' }),
      policy,
    );
    expect(outcome).toEqual({ ok: true, value: 'done' });
    expect(calls).toBe(3);

    calls = 0;
    const exhausted = await withRetries(async () => {
      calls++;
      return failing(true);
    }, policy);
    expect(exhausted.ok).toBe(false);
    expect(calls).toBe(4);
  });

  it('stops at once on a failure that is not retryable', async () => {
    let calls = 0;
    const outcome = await withRetries(async () => {
      calls++;
      return failing(false);
    }, policy);
    expect(outcome.ok).toBe(false);
    expect(calls).toBe(1);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("waits the server's Retry-After, and refuses one beyond the limit", async () => {
    vi.useFakeTimers();
    const waits: number[] = [];
    let calls = 0;
    const outcome = withRetries(
      async () => (++calls < 2 ? failing(true, 60) : { ok: true, value: 'x' }),
      policy,
      ({ delayMs }) => waits.push(delayMs),
    );
    // The clock is ours: the second attempt comes at 60 ms, not before (the backoff alone is ≤ 5 ms).
    await vi.advanceTimersByTimeAsync(59);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
    expect(await outcome).toEqual({ ok: true, value: 'x' });
    expect(waits).toEqual([60]);

    calls = 0;
    const tooLong = await withRetries(async () => {
      calls++;
      return failing(true, 10_000);
    }, policy);
    expect(calls).toBe(1);
    expect(tooLong.ok).toBe(false);
    if (!tooLong.ok) expect(tooLong.error.message).toContain('retry after 10s');
  });

  it('an abort during the wait ends it at once, with no further attempt', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    let calls = 0;
    let settled = false;
    const outcome = withRetries(
      async () => {
        calls++;
        return failing(true, 150);
      },
      { ...policy, signal: controller.signal },
    ).finally(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(settled).toBe(false); // waiting out the Retry-After
    controller.abort();
    expect((await outcome).ok).toBe(false);
    expect(calls).toBe(1);
  });

  it('an already aborted signal makes no second attempt', async () => {
    const controller = new AbortController();
    controller.abort();
    let calls = 0;
    const outcome = await withRetries(
      async () => {
        calls++;
        return failing(true);
      },
      { ...policy, signal: controller.signal },
    );
    expect(outcome.ok).toBe(false);
    expect(calls).toBe(1);
  });
});
