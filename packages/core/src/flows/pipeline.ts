import type { Invocation } from '../invocation.js';
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
  async execute(input: I, _context: Invocation): Promise<unknown> {
    let value: unknown = input;
    for (const step of this.steps) value = await this.call(step, value, input);
    return value;
  }
}

export function pipeline<I = any, O = any>(steps: Children, options?: FlowOptions): Pipeline<I, O> {
  return new Pipeline<I, O>(steps, options);
}
