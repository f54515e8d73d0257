import {
  enterTraceContext,
  getTraceContext,
  type ResolvedTraceContext,
  runWithTraceContext,
  type TraceContext,
} from '@lazytrace/core';

/**
 * Sets the trace configuration (session, user, tags, on/off, content capture …) for the current
 * async context and everything that continues from it: inside a request handler it affects that
 * request and what it awaits, never another request; at the top of a program, the whole program.
 * Copy-on-write: it never changes a configuration that another request can see.
 *
 * Sharp edge: called before the first `await` of an async function, it also changes the
 * caller's context (that code still runs in the caller's context). Use `withTrace` for an exact
 * scope.
 */
export function setTrace(config: TraceContext): void {
  enterTraceContext(config);
}

/** Runs `fn` with `config` applied over the current trace configuration, for `fn` only. */
export function withTrace<R>(config: TraceContext, fn: () => R): R {
  return runWithTraceContext(config, fn);
}

/** The effective trace configuration here: defaults ← environment ← outer scopes ← inner scopes. */
export function getTrace(): ResolvedTraceContext {
  return getTraceContext();
}
