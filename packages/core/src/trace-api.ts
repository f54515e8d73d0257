import { enterTraceContext, getTraceContext, runWithTraceContext } from './context/trace-context.js';
import type { ResolvedTraceContext, TraceContext } from './context/types.js';

/**
 * Sets the trace configuration (session, user, tags, on/off, content capture …) for the current
 * async context and everything that continues from it: inside a request handler it affects that
 * request and what it awaits, never another request (also on a keep-alive or pipelined
 * connection: each `node:http` request starts from the scope its connection started with); at
 * the top of a program, the whole program. Copy-on-write: it never changes a configuration that
 * another request can see. A call started under it keeps it, wherever its stream is consumed.
 *
 * Never throws for a value: numbers and bigints become strings where a string is expected
 * (`userId: 42` → `"42"`), a one-element array is its element, `null` means "not set", and
 * anything else is dropped with one warning per field.
 *
 * Sharp edges: called before the first `await` of an async function, it also changes the
 * caller's context (that code still runs in the caller's context); called in a callback of a
 * long-lived event source other than an HTTP request (a WebSocket's `message`, a socket's
 * `data`), it applies to that source's later callbacks too. Use `withTrace` — or the request
 * middleware of `@lazytrace/config/http` — for an exact scope.
 */
export function setTrace(config: TraceContext): void {
  enterTraceContext(config);
}

/**
 * Runs `fn` with `config` applied over the current trace configuration, for `fn` only (and for
 * everything it starts, including streams consumed after it returned). Values are read as by
 * `setTrace`; only a non-function `fn` throws.
 */
export function withTrace<R>(config: TraceContext, fn: () => R): R {
  return runWithTraceContext(config, fn);
}

/** The effective trace configuration here: defaults ← environment ← outer scopes ← inner scopes. */
export function getTrace(): ResolvedTraceContext {
  return getTraceContext();
}
