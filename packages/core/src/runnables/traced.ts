import type { CallContext, Invocation } from '../invocation.js';
import { isAsyncIterable } from '../streaming/is-async-iterable.js';
import { Runnable, type RunnableOptions } from './runnable.js';

/** A method run through the lifecycle for one object; created lazily, once per object. */
class MethodRunnable extends Runnable<unknown[], unknown> {
  constructor(
    private readonly target: object,
    private readonly method: (...args: unknown[]) => unknown,
    private readonly defaultMethodName: string,
    options: RunnableOptions,
  ) {
    super(options, 'module');
  }

  override get className(): string {
    try {
      return (this.target as { constructor?: { name?: string } } | undefined)?.constructor?.name || 'Object';
    } catch {
      // A receiver whose `constructor` cannot be read (a hostile Proxy): the call still runs.
      return 'Object';
    }
  }

  protected override defaultName(): string {
    return `${this.className}.${this.defaultMethodName}`;
  }

  /**
   * Arguments of the call being started. `execute` runs synchronously inside `run`, so it reads
   * them from here; saved and restored so a re-entrant call (from a hook) cannot disturb them.
   */
  private pendingArgs: unknown[] = [];

  /** @internal */
  execute(_input: unknown, _context: Invocation & CallContext): unknown {
    return this.method.apply(this.target, this.pendingArgs);
  }

  /** @internal Runs one call; the span input is the argument (one) or the argument list (several). */
  invokeMethod(args: unknown[]): Promise<unknown> {
    const saved = this.pendingArgs;
    this.pendingArgs = args;
    try {
      const input = args.length === 1 ? args[0] : args;
      return this.run(input, input, this.name);
    } finally {
      this.pendingArgs = saved;
    }
  }
}

type AsyncMethod<This, Args extends unknown[], R> = (this: This, ...args: Args) => R;

/**
 * Standard (TC39) method decorator: every call of the method runs through the lifecycle and
 * becomes a span named `Class.method` (or `options.name`). For async methods and async
 * generator methods; the decorated method keeps its signature (a generator method still returns
 * an async iterable, whose call ends when the iteration does).
 *
 * ```ts
 * class Agent {
 *   @traced({ kind: 'tool' }) async search(query: string) { … }
 * }
 * ```
 */
export function traced(options: RunnableOptions = {}) {
  return <
    This extends object,
    Args extends unknown[],
    R extends PromiseLike<unknown> | AsyncIterable<unknown>,
  >(
    method: AsyncMethod<This, Args, R>,
    context: ClassMethodDecoratorContext<This, AsyncMethod<This, Args, R>>,
  ): AsyncMethod<This, Args, R> => {
    if (context.kind !== 'method') {
      throw new TypeError(
        `@traced can decorate methods only, not a ${String((context as { kind: string }).kind)}`,
      );
    }
    const methodName = String(context.name);
    const isGenerator = Object.prototype.toString.call(method) === '[object AsyncGeneratorFunction]';
    const runnables = new WeakMap<object, MethodRunnable>();
    // A method called without a receiver (`const f = obj.method; f()`) still works, traced.
    const unbound = {};
    return function (this: This, ...args: Args): R {
      const key: object =
        typeof this === 'object' || typeof this === 'function' ? (this ?? unbound) : unbound;
      let runnable = runnables.get(key);
      if (runnable === undefined) {
        runnable = new MethodRunnable(
          key === unbound ? (undefined as never) : key,
          method as (...a: unknown[]) => unknown,
          methodName,
          options,
        );
        runnables.set(key, runnable);
      }
      const result = runnable.invokeMethod(args);
      return (isGenerator ? deferredIterable(result) : result) as unknown as R;
    };
  };
}

/** An async iterable over the stream a promise resolves to, for generator methods (which must return one synchronously). */
function deferredIterable(promise: Promise<unknown>): AsyncIterableIterator<unknown> {
  // Nobody may ever iterate: the rejection is still observed through `next()` when they do.
  promise.catch(() => {});
  let iterator: AsyncIterator<unknown> | undefined;
  const get = async (): Promise<AsyncIterator<unknown>> => {
    if (iterator === undefined) {
      const stream = await promise;
      if (!isAsyncIterable(stream))
        throw new TypeError('@traced: the generator method did not return an async iterable');
      iterator = stream[Symbol.asyncIterator]();
    }
    return iterator;
  };
  return {
    async next(...args: [] | [unknown]) {
      return (await get()).next(...args);
    },
    async return(value?: unknown) {
      const it = await get();
      return it.return !== undefined ? it.return(value) : { done: true, value };
    },
    async throw(error?: unknown) {
      const it = await get();
      if (it.throw !== undefined) return it.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
