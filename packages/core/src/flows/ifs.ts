import type { Invocation } from '../invocation.js';
import { ATTR_IFS_BRANCH } from '../tracing/attributes.js';
import { type Condition, evaluateCondition, type ResolvedCondition, toCondition } from './condition.js';
import { type Child, Flow, type FlowChild, type FlowOptions, toFlowChild } from './flow.js';

/**
 * Runs `then` when `condition(input)` is truthy, else `otherwise` (default: pass the input
 * through). The branch taken is recorded as `lazytrace.ifs.branch` (`then` / `else`).
 */
export class Ifs<I = any, O = any> extends Flow<I, O> {
  private readonly condition: ResolvedCondition;
  readonly thenBranch: FlowChild;
  readonly elseBranch: FlowChild | undefined;

  constructor(condition: Condition<unknown>, then: Child, otherwise?: Child, options?: FlowOptions) {
    super(options);
    this.condition = toCondition(condition, 'condition', 'ifs: "condition"');
    this.thenBranch = toFlowChild(then, 'then', 'ifs: "then"');
    this.elseBranch = otherwise === undefined ? undefined : toFlowChild(otherwise, 'else', 'ifs: "else"');
  }

  override get className(): string {
    return 'Ifs';
  }

  /** @internal */
  async execute(input: I, context: Invocation): Promise<unknown> {
    const holds = Boolean(await evaluateCondition(this.condition, input, context));
    context.setAttributes({ [ATTR_IFS_BRANCH]: holds ? 'then' : 'else' });
    const branch = holds ? this.thenBranch : this.elseBranch;
    return branch === undefined ? input : this.call(branch, input, input);
  }
}

export function ifs<I = any, O = any>(
  condition: Condition<unknown>,
  then: Child,
  otherwise?: Child,
  options?: FlowOptions,
): Ifs<I, O> {
  return new Ifs<I, O>(condition, then, otherwise, options);
}
