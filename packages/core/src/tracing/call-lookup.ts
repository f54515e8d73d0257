import { type Context, context, ROOT_CONTEXT } from '@opentelemetry/api';
import { type CallNode, callNodeOf } from '../context/call-node.js';
import { getTraceDefaults, resolvedFor, type Scope, scopeFor } from '../context/trace-context.js';
import type { ResolvedTraceContext } from '../context/types.js';
import type { Invocation } from '../invocation.js';

/** What a call's trace context was found to be: looked up once per call. */
export interface CallLookup {
  invocation: Invocation | undefined;
  /** The OTel context the call started in (its parent). */
  active: Context;
  /** The call it runs inside, if any. */
  node: CallNode | undefined;
  scope: Scope | undefined;
  context: ResolvedTraceContext;
}

/**
 * The last lookup, made by the hook provider to decide and picked up by the hook it created for
 * the same invocation. One object for the process, so a call allocates nothing for it.
 */
const last: CallLookup = {
  invocation: undefined,
  active: ROOT_CONTEXT,
  node: undefined,
  scope: undefined,
  context: getTraceDefaults(),
};

/** Looks up the trace context of `invocation` here and keeps it for its hook. */
export function lookUpCall(invocation: Invocation): CallLookup {
  const active = context.active();
  const node = callNodeOf(active);
  const scope = scopeFor(node);
  last.invocation = invocation;
  last.active = active;
  last.node = node;
  last.scope = scope;
  last.context = resolvedFor(scope, node);
  return last;
}

/**
 * The lookup the provider made for `invocation`, or a fresh one if something ran in between
 * (a user hook's `pre` that invoked another runnable). Read it at once: the next call reuses it.
 */
export function lookupFor(invocation: Invocation): CallLookup {
  return last.invocation === invocation ? last : lookUpCall(invocation);
}

/** Drops the references the last lookup holds (so a finished request's context can be collected). */
export function releaseLookup(): void {
  last.invocation = undefined;
  last.active = ROOT_CONTEXT;
  last.node = undefined;
  last.scope = undefined;
}
