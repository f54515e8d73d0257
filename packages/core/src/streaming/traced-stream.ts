import type { Lifecycle } from '../hooks/lifecycle.js';
import type { StreamState } from '../invocation.js';
import { getTracingSettings } from '../settings.js';
import { StreamCollector } from './stream-collector.js';

type EndReason = 'done' | 'cancelled' | 'abandoned';

/**
 * The async iterable that `invoke` resolves to when the business code returned a stream. Chunks
 * pass through unchanged and unbuffered; each pull runs inside the hooks' `around` (so code in a
 * generator sees the call's context), and the call ends — post/onError/finalize — when the
 * iteration ends: completion, an error, the consumer stopping early, or nobody pulling for the
 * idle timeout (a stream that is never iterated).
 */
export class TracedStream<T> implements AsyncIterableIterator<T> {
  private iterator: AsyncIterator<T> | undefined;
  private ended = false;
  private pending = 0;
  private lastActivity: number;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private readonly collector: StreamCollector;
  private readonly state: StreamState;
  private readonly idleTimeoutMs: number;

  constructor(
    private readonly source: AsyncIterable<T>,
    private readonly lifecycle: Lifecycle,
  ) {
    const settings = getTracingSettings();
    this.collector = new StreamCollector(settings.maxContentChars);
    this.idleTimeoutMs = settings.streamIdleTimeoutMs;
    this.lastActivity = performance.now();
    this.state = {
      chunks: 0,
      firstChunkAt: undefined,
      startedAt: this.lastActivity,
      cancelled: false,
      abandoned: false,
    };
    lifecycle.invocation.stream = this.state;
    this.armWatchdog(this.idleTimeoutMs);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(...args: [] | [unknown]): Promise<IteratorResult<T>> {
    if (this.ended) return this.sourceIterator().next(...args);
    this.pending++;
    this.lastActivity = performance.now();
    let step: Promise<IteratorResult<T>>;
    try {
      step = Promise.resolve(this.lifecycle.around(() => this.sourceIterator().next(...args)));
    } catch (error) {
      step = Promise.reject(error);
    }
    return step.then(
      (result) => {
        this.pending--;
        this.lastActivity = performance.now();
        if (this.ended) return result;
        if (result.done) {
          this.end('done');
        } else {
          const state = this.state;
          if (state.chunks++ === 0) state.firstChunkAt = this.lastActivity;
          this.collector.add(result.value);
        }
        return result;
      },
      (error: unknown) => {
        this.pending--;
        this.fail(error);
        throw error;
      },
    );
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    if (this.ended) {
      const it = this.iterator;
      return it?.return !== undefined ? it.return(value) : { done: true, value: value as T };
    }
    this.state.cancelled = true;
    const it = this.iterator;
    let result: IteratorResult<T> = { done: true, value: value as T };
    if (it?.return !== undefined) {
      try {
        result = await this.lifecycle.around(() => it.return!(value));
      } catch (error) {
        this.fail(error);
        throw error;
      }
    }
    this.end('cancelled');
    return result;
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    const it = this.iterator;
    if (this.ended || it?.throw === undefined) {
      this.fail(error);
      if (it?.throw !== undefined) return it.throw(error);
      throw error;
    }
    try {
      const result = await this.lifecycle.around(() => it.throw!(error));
      if (result.done) this.end('done');
      return result;
    } catch (thrown) {
      this.fail(thrown);
      throw thrown;
    }
  }

  private sourceIterator(): AsyncIterator<T> {
    this.iterator ??= this.source[Symbol.asyncIterator]();
    return this.iterator;
  }

  private end(reason: EndReason): void {
    if (this.ended) return;
    this.ended = true;
    this.disarmWatchdog();
    if (reason === 'abandoned') this.state.abandoned = true;
    // A strict `post` hook failure surfaces to the consumer through the final `next()`.
    this.lifecycle.succeed(this.collector.output());
  }

  private fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.disarmWatchdog();
    this.lifecycle.fail(error);
  }

  private armWatchdog(delay: number): void {
    this.watchdog = setTimeout(() => this.checkIdle(), delay);
    this.watchdog.unref?.();
  }

  private disarmWatchdog(): void {
    if (this.watchdog !== undefined) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  private checkIdle(): void {
    if (this.ended) return;
    const idleFor = performance.now() - this.lastActivity;
    // A pull in flight means the consumer is waiting for the producer: that is not idleness.
    if (this.pending > 0 || idleFor < this.idleTimeoutMs) {
      this.armWatchdog(Math.max(1, this.idleTimeoutMs - (this.pending > 0 ? 0 : idleFor)));
      return;
    }
    try {
      this.end('abandoned');
    } catch {
      // A strict post hook failure has nobody to reach here: the consumer is gone.
    }
  }
}
