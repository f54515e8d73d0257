import type { Invocation } from '../invocation.js';
import { ATTR_IFS_BRANCH } from '../tracing/attributes.js';
import type { InputOf, OutputOf, WithFlowInput } from './child-types.js';
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
    context.setFlowAttribute(ATTR_IFS_BRANCH, holds ? 'then' : 'else');
    const branch = holds ? this.thenBranch : this.elseBranch;
    return branch === undefined ? input : this.call(branch, input, input, context);
  }
}

/**
 * Typed from the condition and the branches: the input is what all of them accept; the output is
 * either branch's, or the input itself when there is no `otherwise`. Each of them sees that input as
 * `ctx.input`.
 */
export function ifs<const C extends Condition<unknown>, const T extends Child>(
  condition: C & WithFlowInput<C, InputOf<C> & InputOf<T>>,
  then: T & WithFlowInput<T, InputOf<C> & InputOf<T>>,
  otherwise?: undefined,
  options?: FlowOptions,
): Ifs<InputOf<C> & InputOf<T>, OutputOf<T> | (InputOf<C> & InputOf<T>)>;
export function ifs<const C extends Condition<unknown>, const T extends Child, const E extends Child>(
  condition: C & WithFlowInput<C, InputOf<C> & InputOf<T> & InputOf<E>>,
  then: T & WithFlowInput<T, InputOf<C> & InputOf<T> & InputOf<E>>,
  otherwise: E & WithFlowInput<E, InputOf<C> & InputOf<T> & InputOf<E>>,
  options?: FlowOptions,
): Ifs<InputOf<C> & InputOf<T> & InputOf<E>, OutputOf<T> | OutputOf<E>>;
export function ifs(
  condition: Condition<unknown>,
  then: Child,
  otherwise?: Child,
  options?: FlowOptions,
): Ifs {
  return new Ifs(condition, then, otherwise, options);
}
