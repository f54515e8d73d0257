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
  /** Pulls so far, and as the watchdog last saw them: unchanged and none in flight means idle. */
  private pulls = 0;
  private pullsAtLastCheck = 0;
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
    this.state = {
      chunks: 0,
      firstChunkAt: undefined,
      startedAt: performance.now(),
      cancelled: false,
      abandoned: false,
    };
    lifecycle.invocation.stream = this.state;
    this.armWatchdog(this.idleTimeoutMs);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(value?: unknown): Promise<IteratorResult<T>> {
    if (this.ended)
      return value === undefined ? this.sourceIterator().next() : this.sourceIterator().next(value);
    this.pending++;
    this.pulls++;
    let step: Promise<IteratorResult<T>>;
    try {
      // `for await` passes nothing: the prepared pull avoids a closure per chunk.
      step = Promise.resolve(
        this.lifecycle.around(value === undefined ? this.pull : () => this.sourceIterator().next(value)),
      );
    } catch (error) {
      step = Promise.reject(error);
    }
    // Handlers made once per stream, not per chunk: this is the per-chunk path.
    return step.then(this.onResult, this.onError);
  }

  private readonly pull = (): Promise<IteratorResult<T>> => this.sourceIterator().next();

  private readonly onResult = (result: IteratorResult<T>): IteratorResult<T> => {
    this.pending--;
    if (this.ended) return result;
    if (result.done) {
      this.end('done');
    } else {
      const state = this.state;
      if (state.chunks++ === 0) state.firstChunkAt = performance.now();
      this.collector.add(result.value);
    }
    return result;
  };

  private readonly onError = (error: unknown): never => {
    this.pending--;
    this.fail(error);
    throw error;
  };

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
    if (it?.throw === undefined) {
      this.fail(error);
      throw error;
    }
    if (this.ended) return it.throw(error);
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

  /**
   * Runs every idle timeout. Idle means: no pull since the last check and none in flight (a pull in
   * flight is the consumer waiting for the producer, which is not idleness). So a stream nobody
   * pulls from is closed between one and two timeouts after its last pull, without reading the
   * clock per chunk.
   */
  private checkIdle(): void {
    if (this.ended) return;
    if (this.pending > 0 || this.pulls !== this.pullsAtLastCheck) {
      this.pullsAtLastCheck = this.pulls;
      this.armWatchdog(this.idleTimeoutMs);
      return;
    }
    try {
      this.end('abandoned');
    } catch {
      // A strict post hook failure has nobody to reach here: the consumer is gone.
    }
  }
}

/**
 * The traced stream, still offering the source's own members (an OpenAI `Stream`'s `controller`,
 * `toReadableStream()` …): anything the wrapper does not define is read from the source. Using
 * those bypasses tracing for what they read. `then` is never forwarded, so a stream can never be
 * mistaken for a promise.
 */
export function tracedStream<T>(source: AsyncIterable<T>, lifecycle: Lifecycle): AsyncIterableIterator<T> {
  const traced = new TracedStream(source, lifecycle);
  if (Object.getPrototypeOf(source) === Object.prototype || isGeneratorObject(source)) return traced;
  return new Proxy(traced, {
    get(target, property, receiver) {
      if (property in target || property === 'then') return Reflect.get(target, property, receiver);
      const value = (source as unknown as Record<PropertyKey, unknown>)[property];
      return typeof value === 'function' ? value.bind(source) : value;
    },
  });
}

function isGeneratorObject(value: object): boolean {
  return Object.prototype.toString.call(value) === '[object AsyncGenerator]';
}
