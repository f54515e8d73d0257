/** How hard to try a request again: shared by replay and fetch. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** The longest `Retry-After` honoured; a server asking for more is a failure, not a hang. */
  readonly maxRetryAfterMs: number;
  readonly signal?: AbortSignal;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

export type Attempt<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly error: Error;
      /** Worth another try (429, 5xx, a network error). */
      readonly retryable: boolean;
      /** From the answer's `Retry-After`, when it had one. */
      readonly retryAfterMs?: number;
    };

/** 429 and the 5xx that can pass (not 501 Not Implemented, 505 HTTP Version Not Supported). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

/** `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Exponential backoff with ±20% jitter, capped. */
export function backoffMs(attempt: number, policy: RetryPolicy): number {
  const raw = Math.min(policy.baseDelayMs * 2 ** attempt, policy.maxDelayMs);
  return Math.round(raw * (0.8 + Math.random() * 0.4));
}

/**
 * Runs `attempt` until it succeeds, fails for good, or the attempts run out. Waits the server's
 * `Retry-After` when it gave one (within `maxRetryAfterMs`), else backs off exponentially.
 * `onRetry` hears about each wait (for a progress line). Resolves with the last outcome.
 */
export async function withRetries<T>(
  attempt: (n: number) => Promise<Attempt<T>>,
  policy: RetryPolicy,
  onRetry?: (info: { attempt: number; delayMs: number; error: Error }) => void,
): Promise<Attempt<T>> {
  let outcome: Attempt<T> = { ok: false, error: new Error('not attempted'), retryable: false };
  for (let n = 0; n < policy.attempts; n++) {
    outcome = await attempt(n);
    if (outcome.ok || !outcome.retryable || n === policy.attempts - 1) return outcome;
    if (policy.signal?.aborted) return outcome;
    let delayMs = backoffMs(n, policy);
    if (outcome.retryAfterMs !== undefined) {
      if (outcome.retryAfterMs > policy.maxRetryAfterMs) {
        return {
          ok: false,
          retryable: false,
          error: new Error(
            `${outcome.error.message}; the server asked to retry after ${Math.round(outcome.retryAfterMs / 1000)}s, more than the ${Math.round(policy.maxRetryAfterMs / 1000)}s this command waits`,
          ),
        };
      }
      delayMs = outcome.retryAfterMs;
    }
    onRetry?.({ attempt: n + 1, delayMs, error: outcome.error });
    await sleep(delayMs, policy.signal);
    // An abort during the wait means stop, not one more request.
    if (policy.signal?.aborted) return outcome;
  }
  return outcome;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
