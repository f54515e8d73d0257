import type { Invocation } from '../invocation.js';
import type { CheckedSteps, ChildTuple, FirstInput, LastOutput, RecordStep, Step } from './child-types.js';
import { type Children, Flow, type FlowChild, type FlowOptions, toFlowChildren } from './flow.js';

/**
 * Runs steps in order, each receiving the previous step's output (`ctx.input` is the pipeline's
 * input). If the last step streams, the pipeline's call stays open until the stream ends.
 */
export class Pipeline<I = any, O = any> extends Flow<I, O> {
  readonly steps: readonly FlowChild[];

  constructor(steps: Children, options?: FlowOptions) {
    super(options);
    this.steps = toFlowChildren(steps, 'pipeline', 'steps');
  }

  override get className(): string {
    return 'Pipeline';
  }

  /** @internal */
  async execute(input: I, context: Invocation): Promise<unknown> {
    let value: unknown = input;
    for (const step of this.steps) value = await this.call(step, value, input, context);
    return value;
  }
}

/**
 * Array steps are typed by position: the pipeline's input is what the first step accepts, its
 * output what the last resolves to, and a step that cannot take the previous step's output (or
 * whose `ctx: CallContext<X>` does not match the pipeline's input) is a compile error. Up to ten
 * steps, a function step needs no annotation (`(n, ctx) => …` gets the previous output and
 * `ctx.input` typed); longer chains are checked the same way but their function steps must be
 * annotated.
 *
 * Record steps (whose keys name the spans) cannot be ordered by the type system — an object
 * type has no key order — so their input and output are given explicitly,
 * `pipeline<string, AsyncIterable<string>>({ retrieve, generate })`, and only `ctx.input` is
 * checked against the input given. For typed and named steps, name the array's runnables
 * (`fn(retrieve, { name: 'retrieve' })`, a `Module`'s `name` option).
 */
export function pipeline<A, B>(steps: readonly [Step<A, B, A>], options?: FlowOptions): Pipeline<A, B>;
export function pipeline<A, B, C>(
  steps: readonly [Step<A, B, A>, Step<B, C, A>],
  options?: FlowOptions,
): Pipeline<A, C>;
export function pipeline<A, B, C, D>(
  steps: readonly [Step<A, B, A>, Step<B, C, A>, Step<C, D, A>],
  options?: FlowOptions,
): Pipeline<A, D>;
export function pipeline<A, B, C, D, E>(
  steps: readonly [Step<A, B, A>, Step<B, C, A>, Step<C, D, A>, Step<D, E, A>],
  options?: FlowOptions,
): Pipeline<A, E>;
export function pipeline<A, B, C, D, E, F>(
  steps: readonly [Step<A, B, A>, Step<B, C, A>, Step<C, D, A>, Step<D, E, A>, Step<E, F, A>],
  options?: FlowOptions,
): Pipeline<A, F>;
export function pipeline<A, B, C, D, E, F, G>(
  steps: readonly [Step<A, B, A>, Step<B, C, A>, Step<C, D, A>, Step<D, E, A>, Step<E, F, A>, Step<F, G, A>],
  options?: FlowOptions,
): Pipeline<A, G>;
export function pipeline<A, B, C, D, E, F, G, H>(
  steps: readonly [
    Step<A, B, A>,
    Step<B, C, A>,
    Step<C, D, A>,
    Step<D, E, A>,
    Step<E, F, A>,
    Step<F, G, A>,
    Step<G, H, A>,
  ],
  options?: FlowOptions,
): Pipeline<A, H>;
export function pipeline<A, B, C, D, E, F, G, H, I>(
  steps: readonly [
    Step<A, B, A>,
    Step<B, C, A>,
    Step<C, D, A>,
    Step<D, E, A>,
    Step<E, F, A>,
    Step<F, G, A>,
    Step<G, H, A>,
    Step<H, I, A>,
  ],
  options?: FlowOptions,
): Pipeline<A, I>;
export function pipeline<A, B, C, D, E, F, G, H, I, J>(
  steps: readonly [
    Step<A, B, A>,
    Step<B, C, A>,
    Step<C, D, A>,
    Step<D, E, A>,
    Step<E, F, A>,
    Step<F, G, A>,
    Step<G, H, A>,
    Step<H, I, A>,
    Step<I, J, A>,
  ],
  options?: FlowOptions,
): Pipeline<A, J>;
export function pipeline<A, B, C, D, E, F, G, H, I, J, K>(
  steps: readonly [
    Step<A, B, A>,
    Step<B, C, A>,
    Step<C, D, A>,
    Step<D, E, A>,
    Step<E, F, A>,
    Step<F, G, A>,
    Step<G, H, A>,
    Step<H, I, A>,
    Step<I, J, A>,
    Step<J, K, A>,
  ],
  options?: FlowOptions,
): Pipeline<A, K>;
export function pipeline<I = any, O = any>(
  steps: Readonly<Record<string, RecordStep<I>>>,
  options?: FlowOptions,
): Pipeline<I, O>;
// Last, so that a step that does not fit is reported with what it was given and what it accepts.
export function pipeline<const S extends ChildTuple>(
  steps: S & CheckedSteps<S, FirstInput<S>, FirstInput<S>>,
  options?: FlowOptions,
): Pipeline<FirstInput<S>, LastOutput<S, FirstInput<S>>>;
export function pipeline(steps: Children, options?: FlowOptions): Pipeline {
  return new Pipeline(steps, options);
}
