import { type Invocation, typeName } from '../invocation.js';
import type { InputOf, OutputOf, WithFlowInput } from './child-types.js';
import { type Child, checkConcurrency, Flow, type FlowChild, runConcurrently, toFlowChild } from './flow.js';
import type { ParallelOptions } from './parallel.js';

/** Runs `body` once per element of the input array, concurrently; resolves to the outputs in order. */
export class Warp<I = any, O = any> extends Flow<I, O> {
  readonly body: FlowChild;
  readonly concurrency: number;

  constructor(body: Child, options: ParallelOptions = {}) {
    super(options);
    this.body = toFlowChild(body, undefined, 'warp: "body"');
    this.concurrency = checkConcurrency(options.concurrency, 'warp');
  }

  override get className(): string {
    return 'Warp';
  }

  /** @internal */
  execute(input: I, context: Invocation): Promise<unknown[]> {
    if (!Array.isArray(input)) {
      throw new TypeError(`warp "${this.name}": input must be an array, got ${typeName(input)}`);
    }
    return runConcurrently(
      input.map((item) => () => this.call(this.body, item, input, context)),
      this.concurrency,
    );
  }
}

/**
 * Typed from the body: an array of what it accepts in, an array of what it resolves to out. The
 * body's `ctx.input` is the whole array.
 */
export function warp<const B extends Child>(
  body: B & WithFlowInput<B, readonly InputOf<B>[]>,
  options?: ParallelOptions,
): Warp<readonly InputOf<B>[], OutputOf<B>[]> {
  return new Warp(body, options);
}
