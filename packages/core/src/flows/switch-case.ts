import type { Invocation } from '../invocation.js';
import { ATTR_SWITCH_CASE } from '../tracing/attributes.js';
import type {
  CheckedBranches,
  ChildRecord,
  InputOf,
  OutputOf,
  SharedInput,
  WithFlowInput,
} from './child-types.js';
import { type Condition, evaluateCondition, type ResolvedCondition, toCondition } from './condition.js';
import { type Child, Flow, type FlowChild, type FlowOptions, toFlowChild } from './flow.js';

/**
 * Runs the case whose key equals `selector(input)` (compared as strings), else `fallback`. The
 * case taken is recorded as `lazytrace.switch.case` (`default` for the fallback). With no match
 * and no fallback the call fails with an error naming the value.
 */
export class SwitchCase<I = any, O = any> extends Flow<I, O> {
  private readonly selector: ResolvedCondition;
  readonly cases: ReadonlyMap<string, FlowChild>;
  readonly fallback: FlowChild | undefined;

  constructor(
    selector: Condition<unknown>,
    cases: Readonly<Record<string, Child>>,
    fallback?: Child,
    options?: FlowOptions,
  ) {
    super(options);
    this.selector = toCondition(selector, 'selector', 'switchCase: "selector"');
    if (cases === null || typeof cases !== 'object' || Array.isArray(cases)) {
      throw new TypeError('switchCase: "cases" must be a record of runnables keyed by case value');
    }
    this.cases = new Map(
      Object.entries(cases).map(([key, child]) => [key, toFlowChild(child, key, `switchCase: cases.${key}`)]),
    );
    this.fallback =
      fallback === undefined ? undefined : toFlowChild(fallback, 'default', 'switchCase: "fallback"');
  }

  override get className(): string {
    return 'SwitchCase';
  }

  /** @internal */
  async execute(input: I, context: Invocation): Promise<unknown> {
    const selected = await evaluateCondition(this.selector, input, context);
    const key = String(selected);
    const branch = this.cases.get(key);
    if (branch !== undefined) {
      context.setFlowAttribute(ATTR_SWITCH_CASE, key);
      return this.call(branch, input, input, context);
    }
    if (this.fallback !== undefined) {
      context.setFlowAttribute(ATTR_SWITCH_CASE, 'default');
      return this.call(this.fallback, input, input, context);
    }
    throw new Error(
      `switchCase "${this.name}": no case for ${JSON.stringify(key)} and no default (cases: ${[...this.cases.keys()].join(', ')})`,
    );
  }
}

/**
 * Typed from the selector and the cases: the input is what all of them (and the fallback) accept,
 * the output any case's (or the fallback's); each sees that input as `ctx.input`.
 */
export function switchCase<const S extends Condition<unknown>, const C extends ChildRecord>(
  selector: S & WithFlowInput<S, InputOf<S> & SharedInput<C>>,
  cases: C & CheckedBranches<C, InputOf<S> & SharedInput<C>>,
  fallback?: undefined,
  options?: FlowOptions,
): SwitchCase<InputOf<S> & SharedInput<C>, OutputOf<C[keyof C]>>;
export function switchCase<
  const S extends Condition<unknown>,
  const C extends ChildRecord,
  const F extends Child,
>(
  selector: S & WithFlowInput<S, InputOf<S> & SharedInput<C> & InputOf<F>>,
  cases: C & CheckedBranches<C, InputOf<S> & SharedInput<C> & InputOf<F>>,
  fallback: F & WithFlowInput<F, InputOf<S> & SharedInput<C> & InputOf<F>>,
  options?: FlowOptions,
): SwitchCase<InputOf<S> & SharedInput<C> & InputOf<F>, OutputOf<C[keyof C]> | OutputOf<F>>;
export function switchCase(
  selector: Condition<unknown>,
  cases: Readonly<Record<string, Child>>,
  fallback?: Child,
  options?: FlowOptions,
): SwitchCase {
  return new SwitchCase(selector, cases, fallback, options);
}
