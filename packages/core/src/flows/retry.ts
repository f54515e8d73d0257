import type { Invocation } from '../invocation.js';
import { ATTR_RETRY_ATTEMPT, ATTR_RETRY_ATTEMPTS } from '../tracing/attributes.js';
import { sleep } from './abortable.js';
import type { InputOf, OutputOf } from './child-types.js';
import { type Child, Flow, type FlowChild, type FlowOptions, toFlowChild } from './flow.js';

export interface RetryOptions extends FlowOptions {
  /** Attempts in all, the first call included. Default 3. */
  readonly attempts?: number | undefined;
  /**
   * Milliseconds to wait before attempt `attempt + 1` after `attempt` failed: a number, or a
   * function of the failed attempt and its error. Default: 200 ms doubled each time (200, 400, 800 …).
   */
  readonly backoff?: (number | ((attempt: number, error: unknown) => number)) | undefined;
  /**
   * Whether an error is worth another attempt. Default: every error, unless `ctx.signal` was
   * aborted (a timeout or a caller gave up: retrying would not be wanted).
   */
  readonly retryOn?: ((error: unknown, attempt: number) => boolean | Promise<boolean>) | undefined;
}

export const DEFAULT_RETRY_ATTEMPTS = 3;
const DEFAULT_BACKOFF_MS = 200;

/**
 * Calls its child until it succeeds, at most `attempts` times. Each attempt is the child's own
 * span, with its number as `lazytrace.retry.attempt`; the retry's span records the attempts made
 * (`lazytrace.retry.attempts`). The last error is thrown, the same instance. Waiting between
 * attempts stops at once when `ctx.signal` is aborted. A streamed result is returned as it is:
 * an error while reading it is not retried (its chunks may already have been used).
 */
export class Retry<I = any, O = any> extends Flow<I, O> {
  readonly child: FlowChild;
  readonly attempts: number;
  private readonly backoff: (attempt: number, error: unknown) => number;
  private readonly retryOn: RetryOptions['retryOn'];

  constructor(child: Child, options: RetryOptions = {}) {
    super(options);
    this.child = toFlowChild(child, undefined, 'retry: "child"');
    const { attempts = DEFAULT_RETRY_ATTEMPTS, backoff, retryOn } = options;
    if (!Number.isInteger(attempts) || attempts < 1) {
      throw new TypeError(`retry: "attempts" must be an integer >= 1, got ${String(attempts)}`);
    }
    if (typeof backoff === 'number') {
      if (!(backoff >= 0) || !Number.isFinite(backoff)) {
        throw new TypeError(`retry: "backoff" must be a number >= 0 or a function, got ${String(backoff)}`);
      }
      this.backoff = () => backoff;
    } else if (typeof backoff === 'function') {
      this.backoff = backoff;
    } else if (backoff === undefined) {
      this.backoff = (attempt) => DEFAULT_BACKOFF_MS * 2 ** (attempt - 1);
    } else {
      throw new TypeError(`retry: "backoff" must be a number >= 0 or a function, got ${typeof backoff}`);
    }
    if (retryOn !== undefined && typeof retryOn !== 'function') {
      throw new TypeError(`retry: "retryOn" must be a function, got ${typeof retryOn}`);
    }
    this.attempts = attempts;
    this.retryOn = retryOn;
  }

  override get className(): string {
    return 'Retry';
  }

  /** @internal */
  async execute(input: I, context: Invocation): Promise<unknown> {
    let attempt = 0;
    try {
      for (;;) {
        attempt++;
        try {
          // Transparent: the child sees the same `ctx.input` as the retry itself.
          return await this.call(this.child, input, context.input, context, {
            attributes: { [ATTR_RETRY_ATTEMPT]: attempt },
          });
        } catch (error) {
          if (attempt >= this.attempts || !(await this.shouldRetry(error, attempt, context.signal)))
            throw error;
          const delay = this.backoff(attempt, error);
          await sleep(typeof delay === 'number' && delay > 0 ? delay : 0, context.signal);
        }
      }
    } finally {
      context.setFlowAttribute(ATTR_RETRY_ATTEMPTS, attempt);
    }
  }

  private async shouldRetry(error: unknown, attempt: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return false;
    return this.retryOn === undefined ? true : Boolean(await this.retryOn(error, attempt));
  }
}

/** `retry(child, { attempts, backoff, retryOn })`, typed as the child. */
export function retry<const C extends Child>(
  child: C,
  options?: RetryOptions,
): Retry<InputOf<C>, OutputOf<C>> {
  return new Retry(child, options);
}
