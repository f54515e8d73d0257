import type { Lifecycle } from '../hooks/lifecycle.js';
import { StreamCancelledError, type StreamState } from '../invocation.js';
import { describeError, logWarning } from '../logger.js';
import { getTracingSettings } from '../settings.js';
import { timerDelay } from '../timer-delay.js';
import { StreamCollector } from './stream-collector.js';

type EndReason = 'done' | 'cancelled' | 'abandoned';
type Method = (...args: unknown[]) => unknown;

/**
 * The call behind a streamed result. It traces the pulls of one source iterator — the first one
 * pulled or obtained while the call is open — and ends the call (post/onError/finalize) when that
 * iteration ends: completion, an error, the consumer stopping early, or nobody pulling for the
 * idle timeout. Pulls run inside the hooks' `around`, so code in a generator sees the call's
 * context. Chunks pass through unchanged and unbuffered.
 */
class StreamCall<T> {
  private iterator: AsyncIterator<T> | undefined;
  private ended = false;
  private pending = 0;
  /**
   * The source said `done` while earlier pulls were still in flight (a consumer that pulls
   * several at once, settled out of order): the call ends when the last of them settles, so every
   * chunk the consumer receives is counted and recorded first — or at the next idle check.
   */
  private doneWhilePending = false;
  /** Pulls so far, and as the watchdog last saw them: unchanged and none in flight means idle. */
  private pulls = 0;
  private pullsAtLastCheck = 0;
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  private readonly collector: StreamCollector;
  private readonly state: StreamState;
  private readonly idleTimeoutMs: number;

  /** See `Lifecycle.soleOwnHook`: decided once, used on every pull. */
  private readonly soleHook: ReturnType<Lifecycle['soleOwnHook']>;

  constructor(private readonly lifecycle: Lifecycle) {
    this.soleHook = lifecycle.soleOwnHook();
    const settings = getTracingSettings();
    this.collector = new StreamCollector(
      settings.maxContentChars,
      settings.maxStringChars,
      lifecycle.invocation.runnable.aggregate,
    );
    // Longer than a Node timer holds (e.g. Infinity: never) would fire after 1 ms instead.
    this.idleTimeoutMs = timerDelay(settings.streamIdleTimeoutMs);
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

  /**
   * Whether pulls on `iterator` are traced. While the call is open, the first iterator asked about
   * becomes the traced one; any other (a second iteration of a re-iterable source) runs untraced,
   * exactly as without tracing.
   */
  owns(iterator: object): boolean {
    if (this.ended) return false;
    if (this.iterator === undefined) {
      this.iterator = iterator as AsyncIterator<T>;
      return true;
    }
    return this.iterator === iterator;
  }

  /** `next()` without an argument, as `for await` calls it: the per-chunk path, no allocation. */
  pull(): Promise<IteratorResult<T>> {
    return this.step(this.pullNext);
  }

  /** `next(value)` or `throw(error)` on the traced iterator. */
  step(run: () => unknown): Promise<IteratorResult<T>> {
    this.pending++;
    this.pulls++;
    const hook = this.soleHook;
    let result: unknown;
    try {
      // lazytrace's own hook alone (the usual case): straight into its context, no hook chain.
      result = hook === undefined ? this.lifecycle.around(run) : hook.around(run);
    } catch (error) {
      // The source threw synchronously: so does this call, as it would without tracing.
      this.pending--;
      this.fail(error);
      throw error;
    }
    return Promise.resolve(result as IteratorResult<T>).then(this.onResult, this.onError);
  }

  /** `return()` on the traced iterator: the consumer stopped early. */
  cancel(method: Method | undefined, value: unknown): Promise<IteratorResult<T>> {
    this.state.cancelled = true;
    // Before the source's `return()`: a request it awaits with `ctx.signal` stops now.
    this.lifecycle.invocation.abort(new StreamCancelledError());
    if (method === undefined) {
      // The source has no `return()` (only `next()`): nothing to close but the call itself.
      try {
        this.end('cancelled');
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.resolve({ done: true, value: value as T });
    }
    const iterator = this.iterator;
    this.pending++;
    let result: unknown;
    try {
      result = this.lifecycle.around(() => method.call(iterator, value));
    } catch (error) {
      this.pending--;
      this.fail(error);
      throw error;
    }
    return Promise.resolve(result as IteratorResult<T>).then(this.onCancelled, this.onError);
  }

  private readonly pullNext = (): unknown => this.iterator!.next();

  // Handlers made once per stream, not per chunk: this is the per-chunk path.
  private readonly onResult = (result: IteratorResult<T>): IteratorResult<T> => {
    this.pending--;
    if (this.ended) return result;
    let done: boolean | undefined;
    let value: unknown;
    try {
      if (result === null || typeof result !== 'object') return result;
      done = result.done;
      if (!done) value = result.value;
    } catch {
      // A hostile result object: the consumer gets it as it is; there is nothing to record.
      return result;
    }
    if (done) {
      if (this.pending === 0) this.end('done');
      else this.doneWhilePending = true;
    } else {
      const state = this.state;
      if (state.chunks++ === 0) state.firstChunkAt = performance.now();
      this.collector.add(value);
      // The consumer already has `done`: a strict hook's failure can only be logged now, never
      // take the place of this chunk.
      if (this.doneWhilePending && this.pending === 0) this.finishQuietly('done');
    }
    return result;
  };

  private readonly onCancelled = (result: IteratorResult<T>): IteratorResult<T> => {
    this.pending--;
    this.end('cancelled');
    return result;
  };

  private readonly onError = (error: unknown): never => {
    this.pending--;
    this.fail(error);
    throw error;
  };

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
    if (this.doneWhilePending) {
      // The source is done; a pull still in flight after a whole timeout is not waited for.
      this.finishQuietly('done');
      return;
    }
    if (this.pending > 0 || this.pulls !== this.pullsAtLastCheck) {
      this.pullsAtLastCheck = this.pulls;
      this.armWatchdog(this.idleTimeoutMs);
      return;
    }
    this.finishQuietly('abandoned');
  }

  /**
   * Ends the call where no pull the consumer waits on can carry a strict `post` hook's failure
   * (the watchdog; a chunk arriving after the consumer got `done`): the failure is logged.
   */
  private finishQuietly(reason: EndReason): void {
    try {
      this.end(reason);
    } catch (error) {
      logWarning(
        `stream "${this.lifecycle.invocation.name}" ended (${reason}) with no pull left to report a hook failure to: ${describeError(error)}`,
      );
    }
  }
}

/**
 * Functions that must run with the source itself as `this`: built-ins (brand checks on internal
 * slots) and methods using true private members (`this.#x`, or the helpers compilers emit for
 * them) — both fail on a Proxy. Decided once per function, from its source text.
 */
const needsSource = new WeakMap<object, boolean>();
const NATIVE_CODE = /\{\s*\[native code\]\s*\}\s*$/;
// `this.#x`; TypeScript's and Babel's helpers (`__classPrivateFieldGet`, `_classPrivateFieldLooseBase`);
// esbuild's (`__privateGet`, `__privateMethod` …).
const PRIVATE_MEMBER = /#[\p{ID_Start}_$]|classPrivate(?:Field|Method)|__private[A-Z]/u;

/**
 * Built-ins every object or function inherits (`valueOf`, `hasOwnProperty`, `toString`, `call` …)
 * work on a Proxy as on its target, and `valueOf()` must keep answering the value the application
 * holds: these are never bound.
 */
const UNIVERSAL_METHODS = new Set<unknown>(
  [Object.prototype, Function.prototype].flatMap((proto) =>
    Reflect.ownKeys(proto).map((key) => Object.getOwnPropertyDescriptor(proto, key)?.value),
  ),
);

function runsOnSourceOnly(fn: Method): boolean {
  if (UNIVERSAL_METHODS.has(fn)) return false;
  let answer = needsSource.get(fn);
  if (answer === undefined) {
    let text = '';
    try {
      text = Function.prototype.toString.call(fn);
    } catch {
      // Not inspectable: the safe answer.
    }
    answer = text === '' || NATIVE_CODE.test(text) || PRIVATE_MEMBER.test(text);
    needsSource.set(fn, answer);
  }
  return answer;
}

const ITERATION_KEYS: readonly PropertyKey[] = [Symbol.asyncIterator, 'next', 'return', 'throw'];
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * What the application gets: a Proxy over the source object itself, so every member it reads or
 * writes is the source's (own properties, class members with any name, getters, `instanceof`, a
 * `PassThrough`'s `end()`), and only iteration is intercepted: `[Symbol.asyncIterator]()` and, on
 * an object that is its own iterator (a generator), `next` / `return` / `throw`. The iterator a
 * re-iterable source returns is wrapped the same way, so its members stay its own too.
 *
 * Methods are called with the Proxy as `this` (so a method iterating `this`, like an OpenAI
 * `Stream`'s `toReadableStream()`, is traced too), except built-ins and methods using private
 * members, which get the source itself. Getters and setters always run on the source.
 */
class StreamView<T> implements ProxyHandler<object> {
  proxy: object = this;
  private asyncIteratorFn: Method | undefined;
  private nextFn: Method | undefined;
  private returnFn: Method | undefined;
  private throwFn: Method | undefined;
  private bound: Map<PropertyKey, { original: Method; bound: Method }> | undefined;

  constructor(
    private readonly call: StreamCall<T>,
    protected readonly source: object,
  ) {}

  get(_target: object, key: PropertyKey, receiver: unknown): unknown {
    const source = this.source;
    const self = receiver === this.proxy ? source : receiver;
    const value: unknown = Reflect.get(source, key, self);
    if (self !== source) return value;
    switch (key) {
      case Symbol.asyncIterator:
        if (typeof value !== 'function') return value;
        this.asyncIteratorFn ??= this.makeAsyncIterator();
        return this.asyncIteratorFn;
      case 'next':
        if (typeof value !== 'function') return value;
        this.nextFn ??= this.makeNext();
        return this.nextFn;
      case 'throw':
        if (typeof value !== 'function') return value;
        this.throwFn ??= this.makeThrow();
        return this.throwFn;
      case 'return':
        // An iterator without `return()` still gets one here, so `break` ends the call at once
        // instead of leaving it to the idle timeout.
        if (typeof value !== 'function' && !(value === undefined && isIterator(source))) return value;
        this.returnFn ??= this.makeReturn();
        return this.returnFn;
      case 'constructor':
        return value;
    }
    if (typeof value !== 'function' || !runsOnSourceOnly(value as Method)) return value;
    // An own property is returned as stored (a Proxy must, for a frozen one).
    if (hasOwn.call(source, key)) return value;
    return this.boundTo(key, value as Method);
  }

  set(_target: object, key: PropertyKey, value: unknown, receiver: unknown): boolean {
    const source = this.source;
    return Reflect.set(source, key, value, receiver === this.proxy ? source : receiver);
  }

  private boundTo(key: PropertyKey, original: Method): Method {
    this.bound ??= new Map();
    const cached = this.bound.get(key);
    if (cached !== undefined && cached.original === original) return cached.bound;
    const bound = original.bind(this.source) as Method;
    this.bound.set(key, { original, bound });
    return bound;
  }

  private makeAsyncIterator(): Method {
    const view = this;
    return function asyncIterator(this: unknown) {
      const source = view.source;
      const method = Reflect.get(source, Symbol.asyncIterator, source) as Method;
      const iterator = Reflect.apply(method, source, []);
      // A generator (or any object that is its own iterator): the proxy iterates itself.
      if (iterator === source) return view.proxy;
      if (iterator === null || (typeof iterator !== 'object' && typeof iterator !== 'function')) {
        return iterator;
      }
      return view.call.owns(iterator) ? viewOf(view.call, iterator) : iterator;
    };
  }

  private makeNext(): Method {
    const { call, source } = this;
    const it = source as AsyncIterator<T>;
    return function next(this: unknown, value?: unknown) {
      // `arguments.length`, not a rest parameter: `for await` calls this once per chunk.
      // biome-ignore lint/complexity/noArguments: no array allocated per chunk
      const withValue = arguments.length > 0;
      if (!call.owns(source)) return withValue ? it.next(value) : it.next();
      return withValue ? call.step(() => it.next(value)) : call.pull();
    };
  }

  private makeThrow(): Method {
    const { call, source } = this;
    const it = source as AsyncIterator<T>;
    return function (this: unknown, error?: unknown) {
      if (!call.owns(source)) return it.throw!(error);
      return call.step(() => it.throw!(error));
    };
  }

  private makeReturn(): Method {
    const { call, source } = this;
    return function (this: unknown, value?: unknown) {
      const method = Reflect.get(source, 'return', source) as Method | undefined;
      const callable = typeof method === 'function' ? method : undefined;
      if (!call.owns(source)) {
        return callable !== undefined ? callable.call(source, value) : Promise.resolve({ done: true, value });
      }
      return call.cancel(callable, value);
    };
  }
}

/**
 * For a source whose iteration members are fixed (non-configurable, non-writable: a frozen
 * object) or cannot even be inspected (a hostile Proxy), the Proxy's invariants forbid answering
 * with anything but the source's own value. Then the Proxy stands on an empty stand-in and
 * forwards every operation to the source; only `Object.isFrozen` / `isExtensible` tell the
 * difference.
 */
class ForwardingStreamView<T> extends StreamView<T> {
  has(_target: object, key: PropertyKey): boolean {
    return Reflect.has(this.source, key);
  }
  ownKeys(): ArrayLike<string | symbol> {
    return Reflect.ownKeys(this.source);
  }
  getOwnPropertyDescriptor(_target: object, key: PropertyKey): PropertyDescriptor | undefined {
    const descriptor = Reflect.getOwnPropertyDescriptor(this.source, key);
    // The stand-in does not have it, so it may only be reported as configurable.
    if (descriptor !== undefined) descriptor.configurable = true;
    return descriptor;
  }
  defineProperty(_target: object, key: PropertyKey, descriptor: PropertyDescriptor): boolean {
    if (descriptor.configurable === false) return false;
    return Reflect.defineProperty(this.source, key, descriptor);
  }
  deleteProperty(_target: object, key: PropertyKey): boolean {
    return Reflect.deleteProperty(this.source, key);
  }
  getPrototypeOf(): object | null {
    return Reflect.getPrototypeOf(this.source);
  }
  setPrototypeOf(_target: object, prototype: object | null): boolean {
    return Reflect.setPrototypeOf(this.source, prototype);
  }
  preventExtensions(): boolean {
    return false;
  }
  apply(_target: object, thisArg: unknown, args: unknown[]): unknown {
    return Reflect.apply(this.source as Method, thisArg, args);
  }
}

function isIterator(source: object): boolean {
  return typeof (source as { next?: unknown }).next === 'function';
}

function hasFixedIterationMember(source: object): boolean {
  try {
    for (const key of ITERATION_KEYS) {
      const descriptor = Reflect.getOwnPropertyDescriptor(source, key);
      // Non-configurable and not writable (a frozen data property, or an accessor): fixed.
      if (descriptor !== undefined && descriptor.configurable === false && descriptor.writable !== true) {
        return true;
      }
    }
    return false;
  } catch {
    return true;
  }
}

function viewOf<T>(call: StreamCall<T>, source: object): object {
  if (!hasFixedIterationMember(source)) {
    const view = new StreamView(call, source);
    view.proxy = new Proxy(source, view);
    return view.proxy;
  }
  const view = new ForwardingStreamView(call, source);
  // An arrow function as stand-in for a callable source: callable, no non-configurable members.
  const standIn = typeof source === 'function' ? () => {} : {};
  view.proxy = new Proxy(standIn, view);
  return view.proxy;
}

/**
 * The value `invoke` resolves to when the business code returned an async iterable: the source
 * itself, seen through a Proxy that traces its iteration (see `StreamView`). With tracing off the
 * application gets the source; with tracing on it gets something that behaves the same.
 */
export function tracedStream<T>(source: AsyncIterable<T>, lifecycle: Lifecycle): AsyncIterable<T> {
  return viewOf(new StreamCall<T>(lifecycle), source) as AsyncIterable<T>;
}
