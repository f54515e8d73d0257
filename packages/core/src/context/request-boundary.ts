import type { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';

/**
 * Gives every `node:http` request (also through Express, Fastify, Koa, Hono's node server) the
 * trace scope its connection started with.
 *
 * Why: Node runs every request of a connection — one after another on a keep-alive connection,
 * several in one callback when they were pipelined in one TCP write — in callbacks of the same
 * HTTP parser resource. `setTrace` is `AsyncLocalStorage.enterWith`, which (before Node's
 * AsyncContextFrame) stores the scope on that resource, so the next request on the connection
 * would start in the previous request's scope, and so would every promise and timer it creates.
 *
 * How: Node publishes `http.server.request.start` synchronously in the parser callback, just
 * before it emits `request`. The first time a connection is seen, the scope in force there (the
 * one the connection inherited from the server) is remembered; every later request on it starts
 * from that scope again. A public, documented channel, one WeakMap lookup per request; with
 * AsyncContextFrame (Node 24) the scope is already fresh and nothing is re-entered.
 */
export function installRequestBoundary<T>(
  storage: AsyncLocalStorage<T>,
  /** Enters a scope on `storage` (`enterWith`, counted by the trace-context store). */
  enter: (scope: T | undefined) => void,
): void {
  const initial = new WeakMap<object, { readonly scope: T | undefined }>();
  subscribe('http.server.request.start', (message) => {
    const socket = (message as { socket?: unknown } | null)?.socket;
    if (socket === null || typeof socket !== 'object') return;
    const current = storage.getStore();
    const first = initial.get(socket);
    if (first === undefined) initial.set(socket, { scope: current });
    else if (first.scope !== current) enter(first.scope);
  });
}
