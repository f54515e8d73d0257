import type { CallContext, Invocation } from '../invocation.js';
import { Runnable, type RunnableOptions } from './runnable.js';

/** What a function may return to be a runnable: a value, a promise, or an async iterable. */
export type FnResult<O> = O | Promise<O>;

type Unwrap<R> = R extends Promise<infer V> ? V : R;

/** A plain function run through the lifecycle. Created with `fn()`. */
export class FnRunnable<I = unknown, O = unknown> extends Runnable<I, O> {
  private readonly fnBody: (input: I, ctx: CallContext<any>) => unknown;

  constructor(fnBody: (input: I, ctx: CallContext<any>) => unknown, options: RunnableOptions = {}) {
    super(options, 'module');
    if (typeof fnBody !== 'function') {
      throw new TypeError(`fn: "f" must be a function, got ${fnBody === null ? 'null' : typeof fnBody}`);
    }
    this.fnBody = fnBody;
  }

  override get className(): string {
    return 'Function';
  }

  protected override defaultName(): string {
    return this.fnBody.name || 'anonymous';
  }

  /** @internal */
  execute(input: I, context: Invocation): unknown {
    return this.fnBody(input, context);
  }
}

/**
 * Wraps a function (sync, async, or an async generator) as a runnable. It is called as
 * `f(input, ctx)`; inside a flow, `ctx.input` is the flow's input.
 */
export function fn<I, R>(
  f: (input: I, ctx: CallContext<any>) => R,
  options?: RunnableOptions,
): FnRunnable<I, Unwrap<R>> {
  return new FnRunnable<I, Unwrap<R>>(f, options);
}
