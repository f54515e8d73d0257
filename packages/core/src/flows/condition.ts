import type { CallContext } from '../invocation.js';
import type { Runnable } from '../runnables/runnable.js';
import { type FlowChild, toFlowChild } from './flow.js';

/**
 * A decision a flow makes: a plain function (called directly, not traced — a predicate is not a
 * step) or a runnable (traced as a child, e.g. an LLM classifier).
 */
export type Condition<T> = ((input: any, ctx: CallContext<any>) => T | Promise<T>) | Runnable<any, T>;

export type ResolvedCondition =
  | { readonly kind: 'function'; readonly fn: (input: unknown, ctx: CallContext<any>) => unknown }
  | { readonly kind: 'child'; readonly child: FlowChild };

export function toCondition(condition: unknown, name: string, where: string): ResolvedCondition {
  if (typeof condition === 'function') {
    return { kind: 'function', fn: condition as (input: unknown, ctx: CallContext<any>) => unknown };
  }
  return { kind: 'child', child: toFlowChild(condition, name, where) };
}

export function evaluateCondition(
  condition: ResolvedCondition,
  input: unknown,
  ctx: CallContext<any>,
): unknown {
  if (condition.kind === 'function') return condition.fn(input, ctx);
  return condition.child.runnable.run(input, input, condition.child.name, { parent: ctx });
}
