import type { Attempt } from './retry.js';

type Failed = Extract<Attempt<never>, { ok: false }>;

/**
 * `fetch` bounded by a per-attempt timeout and by the retry policy's signal. A timeout or a network
 * failure comes back as a retryable failed attempt (its error worded by `describe`, so each caller
 * names its own peer) rather than a throw, ready to hand to `withRetries`.
 */
export async function boundedFetch(
  url: string,
  init: Omit<RequestInit, 'signal'>,
  timeoutMillis: number,
  signal: AbortSignal | undefined,
  describe: (timedOut: boolean, error: unknown) => Error,
): Promise<{ readonly ok: true; readonly response: Response } | Failed> {
  try {
    const response = await fetch(url, {
      ...init,
      signal: AbortSignal.any([AbortSignal.timeout(timeoutMillis), ...(signal ? [signal] : [])]),
    });
    return { ok: true, response };
  } catch (error) {
    const timedOut = (error as Error).name === 'TimeoutError';
    return { ok: false, retryable: true, error: describe(timedOut, error) };
  }
}
