import type { Invocation } from '../invocation.js';
import { ATTR_LOOP_ITERATIONS } from '../tracing/attributes.js';
import type {
  Accepting,
  CheckedSteps,
  ChildTuple,
  FirstInput,
  InputOf,
  LastOutput,
  OutputOf,
  RecordStep,
} from './child-types.js';
import {
  type Child,
  type Children,
  Flow,
  type FlowChild,
  type FlowOptions,
  toFlowChild,
  toFlowChildren,
} from './flow.js';

export interface LoopOptions<O = any> extends FlowOptions {
  /** Run exactly this many iterations (fewer if `until` says stop first). */
  readonly count?: number | undefined;
  /** Checked after each iteration with its output; `true` stops the loop. */
  readonly until?: ((output: O, iteration: number) => boolean | Promise<boolean>) | undefined;
  /** Hard limit so a condition that never holds cannot spin forever. Default 1000. */
  readonly maxIterations?: number | undefined;
}

export const DEFAULT_MAX_ITERATIONS = 1000;

/** `until` never held within `maxIterations`. */
export class LoopLimitError extends Error {
  override readonly name = 'LoopLimitError';
  constructor(
    readonly loop: string,
    readonly maxIterations: number,
  ) {
    super(`loop "${loop}" reached maxIterations (${maxIterations}) before until() returned true`);
  }
}

/**
 * Runs its body repeatedly, each iteration's output feeding the next. The body is one child or
 * several steps (run in order, like an inline pipeline). The number of iterations is recorded as
 * `lazytrace.loop.iterations`.
 */
export class Loop<I = any, O = any> extends Flow<I, O> {
  readonly body: readonly FlowChild[];
  readonly count: number | undefined;
  readonly maxIterations: number;
  private readonly until: LoopOptions['until'];

  constructor(body: Child | Children, options: LoopOptions = {}) {
    super(options);
    this.body =
      typeof body === 'function' || !isChildren(body)
        ? [toFlowChild(body, undefined, 'loop: "body"')]
        : toFlowChildren(body, 'loop', 'body');
    const { count, until, maxIterations = DEFAULT_MAX_ITERATIONS } = options;
    if (!Number.isInteger(maxIterations) || maxIterations < 1) {
      throw new TypeError(`loop: "maxIterations" must be an integer >= 1, got ${String(maxIterations)}`);
    }
    if (count !== undefined && (!Number.isInteger(count) || count < 0)) {
      throw new TypeError(`loop: "count" must be an integer >= 0, got ${String(count)}`);
    }
    if (count !== undefined && count > maxIterations) {
      throw new TypeError(`loop: "count" (${count}) exceeds "maxIterations" (${maxIterations})`);
    }
    if (until !== undefined && typeof until !== 'function') {
      throw new TypeError(`loop: "until" must be a function, got ${typeof until}`);
    }
    if (count === undefined && until === undefined) {
      throw new TypeError('loop: give "count", "until", or both');
    }
    this.count = count;
    this.until = until;
    this.maxIterations = maxIterations;
  }

  override get className(): string {
    return 'Loop';
  }

  /** @internal */
  async execute(input: I, context: Invocation): Promise<unknown> {
    const limit = this.count ?? this.maxIterations;
    let value: unknown = input;
    let iterations = 0;
    try {
      while (iterations < limit) {
        for (const step of this.body) value = await this.call(step, value, input, context);
        iterations++;
        if (this.until !== undefined && (await this.until(value, iterations))) return value;
      }
      if (this.count === undefined) throw new LoopLimitError(this.name, this.maxIterations);
      return value;
    } finally {
      context.setFlowAttribute(ATTR_LOOP_ITERATIONS, iterations);
    }
  }
}

function isChildren(body: unknown): body is Children {
  if (Array.isArray(body)) return true;
  // A record of children, not a runnable object.
  return (
    body !== null &&
    typeof body === 'object' &&
    typeof (body as { run?: unknown }).run !== 'function' &&
    Object.getPrototypeOf(body) === Object.prototype
  );
}

/**
 * Typed from the body: a single child or array steps (checked like a pipeline's) whose output
 * feeds the next iteration, so the last output must be accepted as the first input. Record steps
 * cannot be ordered by the type system: give their types explicitly, `loop<Draft, Draft>({ … })`.
 */
export function loop<const B extends Child>(
  body: B & Accepting<B, OutputOf<B>, InputOf<B>>,
  options?: LoopOptions<OutputOf<B>>,
): Loop<InputOf<B>, OutputOf<B>>;
export function loop<const S extends ChildTuple>(
  body: S & CheckedSteps<S, LastOutput<S, FirstInput<S>>, FirstInput<S>>,
  options?: LoopOptions<LastOutput<S, FirstInput<S>>>,
): Loop<FirstInput<S>, LastOutput<S, FirstInput<S>>>;
export function loop<I = any, O = any>(
  body: Readonly<Record<string, RecordStep<I>>>,
  options?: LoopOptions<O>,
): Loop<I, O>;
export function loop(body: Child | Children, options?: LoopOptions): Loop {
  return new Loop(body, options);
}
