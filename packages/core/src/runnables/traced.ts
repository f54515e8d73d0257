import type { CallContext, Invocation } from '../invocation.js';
import { isAsyncIterable } from '../streaming/is-async-iterable.js';
import { Runnable, type RunnableOptions } from './runnable.js';

/** A method run through the lifecycle for one object; created lazily, once per object. */
class MethodRunnable extends Runnable<unknown[], unknown> {
  constructor(
    private readonly target: object | undefined,
    private readonly method: (...args: unknown[]) => unknown,
    private readonly defaultMethodName: string,
    /** The class that declares the method, for a call without a receiver (`const f = obj.m; f()`). */
    private readonly owner: DeclaringClass,
    options: RunnableOptions,
  ) {
    super(options, 'module');
  }

  override get className(): string {
    if (this.target === undefined) return this.owner.name || 'Object';
    try {
      // A static method's receiver is the class itself.
      if (typeof this.target === 'function') return this.target.name || this.owner.name || 'Function';
      return (
        (this.target as { constructor?: { name?: string } }).constructor?.name || this.owner.name || 'Object'
      );
    } catch {
      // A receiver whose `constructor` cannot be read (a hostile Proxy): the call still runs.
      return this.owner.name || 'Object';
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
type AnyAsyncMethod = (...args: any[]) => PromiseLike<unknown> | AsyncIterable<unknown>;

/** The name of the class declaring a decorated method, once known (see `traced`). */
interface DeclaringClass {
  name: string | undefined;
}

/**
 * `@traced(options)`: usable as a standard (TC39) decorator and, in code bases compiled with
 * `experimentalDecorators: true` (NestJS, TypeORM), as a legacy one.
 */
export interface TracedDecorator {
  /** Standard decorator: `(method, context)`. */
  <This extends object, Args extends unknown[], R extends PromiseLike<unknown> | AsyncIterable<unknown>>(
    method: AsyncMethod<This, Args, R>,
    context: ClassMethodDecoratorContext<This, AsyncMethod<This, Args, R>>,
  ): AsyncMethod<This, Args, R>;
  /** Legacy decorator (`experimentalDecorators`): `(prototype or class, key, descriptor)`. */
  <M extends AnyAsyncMethod>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): TypedPropertyDescriptor<M>;
}

/**
 * Method decorator: every call of the method runs through the lifecycle and becomes a span named
 * `Class.method` (or `options.name`). For async methods and async generator methods; the decorated
 * method keeps its signature (a generator method still returns an async iterable, whose call ends
 * when the iteration does). Works as a standard decorator and under `experimentalDecorators`.
 *
 * ```ts
 * class Agent {
 *   @traced({ kind: 'tool' }) async search(query: string) { … }
 * }
 * ```
 */
export function traced(options: RunnableOptions = {}): TracedDecorator {
  function decorate(method: unknown, context: unknown, descriptor?: PropertyDescriptor): unknown {
    if (typeof context === 'string' || typeof context === 'symbol') {
      // Legacy form: `context` is the key, `method` the prototype (or the class, for statics).
      if (descriptor === undefined || typeof descriptor.value !== 'function') {
        throw new TypeError(`@traced can decorate methods only, not ${String(context)}`);
      }
      const owner: DeclaringClass = { name: declaringClassName(method) };
      return {
        ...descriptor,
        value: wrapMethod(
          descriptor.value as (...args: unknown[]) => unknown,
          String(context),
          owner,
          options,
        ),
      };
    }
    const ctx = context as ClassMethodDecoratorContext;
    if (ctx === null || typeof ctx !== 'object' || ctx.kind !== 'method') {
      throw new TypeError(
        `@traced can decorate methods only, not a ${String((ctx as { kind?: string } | null)?.kind)}`,
      );
    }
    // A standard decorator is not told its class; the first instance (or the class itself, for a
    // static method) tells it, so a detached call is still named `Class.method`, not `Object`.
    const owner: DeclaringClass = { name: undefined };
    ctx.addInitializer(function (this: unknown) {
      if (owner.name === undefined)
        owner.name = declaringClassName(ctx.static ? this : Object.getPrototypeOf(this));
    });
    return wrapMethod(method as (...args: unknown[]) => unknown, String(ctx.name), owner, options);
  }
  return decorate as TracedDecorator;
}

/** The class name of a prototype (or of a class, for static methods). Never throws. */
function declaringClassName(target: unknown): string | undefined {
  try {
    if (typeof target === 'function') return target.name || undefined;
    return (target as { constructor?: { name?: string } } | null)?.constructor?.name || undefined;
  } catch {
    return undefined;
  }
}

function wrapMethod(
  method: (...args: unknown[]) => unknown,
  methodName: string,
  owner: DeclaringClass,
  options: RunnableOptions,
): (...args: unknown[]) => unknown {
  const isGenerator = Object.prototype.toString.call(method) === '[object AsyncGeneratorFunction]';
  const runnables = new WeakMap<object, MethodRunnable>();
  // A method called without a receiver (`const f = obj.method; f()`) still works, traced.
  const unbound = {};
  return function (this: unknown, ...args: unknown[]): unknown {
    const key: object = typeof this === 'object' || typeof this === 'function' ? (this ?? unbound) : unbound;
    let runnable = runnables.get(key);
    if (runnable === undefined) {
      runnable = new MethodRunnable(key === unbound ? undefined : key, method, methodName, owner, options);
      runnables.set(key, runnable);
    }
    const result = runnable.invokeMethod(args);
    return isGenerator ? deferredIterable(result) : result;
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
