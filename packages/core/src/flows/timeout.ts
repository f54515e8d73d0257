import type { Invocation } from '../invocation.js';
import { isAsyncIterable } from '../streaming/is-async-iterable.js';
import { ATTR_TIMEOUT_EXCEEDED, ATTR_TIMEOUT_MS } from '../tracing/attributes.js';
import { untilAborted } from './abortable.js';
import type { InputOf, OutputOf } from './child-types.js';
import { type Child, Flow, type FlowChild, type FlowOptions, toFlowChild } from './flow.js';

/** The call took longer than its `timeout`. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(
    readonly flow: string,
    readonly ms: number,
  ) {
    super(`timeout "${flow}": no result within ${ms} ms`);
  }
}

/**
 * Gives its child `ms` milliseconds. When they run out, the child's `ctx.signal` (and every
 * step's below it) is aborted with a `TimeoutError`, and the call rejects with it at once,
 * whether or not the child honours the signal. A streamed result must end within the same
 * limit: the stream then fails with the `TimeoutError`. Recorded: `lazytrace.timeout.ms`, and
 * `lazytrace.timeout.exceeded` when the limit was reached.
 */
export class Timeout<I = any, O = any> extends Flow<I, O> {
  readonly child: FlowChild;
  readonly ms: number;

  constructor(child: Child, ms: number, options?: FlowOptions) {
    super(options);
    this.child = toFlowChild(child, undefined, 'timeout: "child"');
    if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new TypeError(`timeout: "ms" must be a finite number >= 0, got ${String(ms)}`);
    }
    this.ms = ms;
  }

  override get className(): string {
    return 'Timeout';
  }

  /** @internal */
  async execute(input: I, context: Invocation): Promise<unknown> {
    context.setFlowAttribute(ATTR_TIMEOUT_MS, this.ms);
    const controller = new AbortController();
    const signal = AbortSignal.any([context.signal, controller.signal]);
    const timer = setTimeout(() => {
      context.setFlowAttribute(ATTR_TIMEOUT_EXCEEDED, true);
      controller.abort(new TimeoutError(this.name, this.ms));
    }, this.ms);
    let result: unknown;
    try {
      // Transparent: the child sees the same `ctx.input` as the timeout itself.
      result = await untilAborted(
        this.child.runnable.run(input, context.input, this.child.name, { signal }),
        signal,
      );
    } catch (error) {
      clearTimeout(timer);
      throw error;
    }
    if (!isAsyncIterable(result)) {
      clearTimeout(timer);
      return result;
    }
    return withDeadline(result, signal, () => clearTimeout(timer));
  }
}

/** The stream's chunks, failing with the signal's reason once it is aborted; `done` runs at the end. */
async function* withDeadline<T>(
  stream: AsyncIterable<T>,
  signal: AbortSignal,
  done: () => void,
): AsyncGenerator<T, unknown, undefined> {
  const iterator = stream[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const step = await untilAborted(Promise.resolve(iterator.next()), signal);
      if (step.done) {
        finished = true;
        return step.value;
      }
      yield step.value;
    }
  } finally {
    done();
    // Stopped early (by the consumer or the deadline): close the source without waiting for it,
    // since a source stuck in an await would otherwise hold this stream open past its deadline.
    if (!finished) Promise.resolve(iterator.return?.()).catch(() => {});
  }
}

/** `timeout(child, ms)`, typed as the child. */
export function timeout<const C extends Child>(
  child: C,
  ms: number,
  options?: FlowOptions,
): Timeout<InputOf<C>, OutputOf<C>> {
  return new Timeout(child, ms, options);
}
