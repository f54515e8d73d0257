import type { Invocation } from '../invocation.js';
import type { CheckedSteps, ChildRecord, ChildTuple, FirstInput, LastOutput } from './child-types.js';
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
 * Array steps are typed: the pipeline's input is what the first step accepts, its output what the
 * last resolves to, and a step that cannot take the previous step's output (or whose
 * `ctx: CallContext<X>` does not match the pipeline's input) is a compile error. Record steps
 * (whose keys name the spans) cannot be ordered by the type system: give their types explicitly,
 * `pipeline<string, AsyncIterable<string>>({ retrieve, generate })`.
 */
export function pipeline<const S extends ChildTuple>(
  steps: S & CheckedSteps<S, FirstInput<S>, FirstInput<S>>,
  options?: FlowOptions,
): Pipeline<FirstInput<S>, LastOutput<S, FirstInput<S>>>;
export function pipeline<I = any, O = any>(steps: ChildRecord, options?: FlowOptions): Pipeline<I, O>;
export function pipeline(steps: Children, options?: FlowOptions): Pipeline {
  return new Pipeline(steps, options);
}
