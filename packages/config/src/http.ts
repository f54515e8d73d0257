// @lazytrace/config/http: one trace scope per HTTP request, for node:http, Express, Fastify and
// Hono. Each runs the rest of the request inside `withTrace` — the exact scope — so nobody needs
// `setTrace`'s sharp edges. No framework is imported: the types below are the little each
// adapter touches.
import { AsyncResource } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { logWarning, type TraceContext } from '@lazytrace/core';
import { withTrace } from './set-trace.js';

/** How a request is scoped. */
export interface RequestTracingOptions<Request> {
  /**
   * The trace configuration of one request — session, user, tags, metadata, on/off — read from
   * it (headers, the authenticated user). Default: none, so the request runs in a fresh scope over
   * the process defaults. Values are read as `setTrace` reads them (a repeated header's array,
   * a numeric user id are fine); if the function throws, the request goes on with no settings
   * of its own and the failure is reported once.
   */
  readonly context?: (request: Request) => TraceContext | null | undefined;
}

let contextFailureLogged = false;

/** What was thrown, as text, never throwing itself (a thrown object's `toString` may throw too). */
function describeThrown(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return 'an unprintable value';
  }
}

type ReadContext<Request> = (request: Request) => TraceContext;

/**
 * The options' `context` function, read once when the middleware is made (start-up
 * configuration: a wrong value throws there, never in a request), wrapped so that a request
 * never fails because of it.
 */
function contextReader<Request>(
  fnName: string,
  options: RequestTracingOptions<Request> | null | undefined,
): ReadContext<Request> {
  if (options !== undefined && options !== null && typeof options !== 'object') {
    throw new TypeError(`${fnName}: "options" must be an object, got ${typeof options}`);
  }
  const read = options?.context;
  if (read === undefined || read === null) return () => ({});
  if (typeof read !== 'function') {
    throw new TypeError(`${fnName}: "context" must be a function (request) => settings, got ${typeof read}`);
  }
  return (request) => {
    try {
      return read(request) ?? {};
    } catch (error) {
      if (!contextFailureLogged) {
        contextFailureLogged = true;
        logWarning(
          `the request tracing "context" function threw (${describeThrown(error)}); the request ran with no trace settings of its own (logged once)`,
        );
      }
      return {};
    }
  };
}

/**
 * node:http: wraps a request listener so each request runs in its own trace scope.
 *
 * ```ts
 * createServer(traceRequests(handler, { context: (req) => ({ sessionId: req.headers['x-session-id'] }) }))
 * ```
 */
export function traceRequests<
  Request extends IncomingMessage = IncomingMessage,
  Response extends ServerResponse = ServerResponse,
>(
  handler: (request: Request, response: Response) => unknown,
  options?: RequestTracingOptions<Request>,
): (request: Request, response: Response) => unknown {
  if (typeof handler !== 'function') {
    throw new TypeError(`traceRequests: "handler" must be a function, got ${typeof handler}`);
  }
  const readContext = contextReader('traceRequests', options);
  return (request, response) => withTrace(readContext(request), () => handler(request, response));
}

/**
 * Express middleware: the rest of the request — later middleware, the route, what they await —
 * runs in the request's trace scope. Register it before your routes.
 *
 * A middleware that resumes the chain from a raw stream event (`req.on('end', () => next())`)
 * without `AsyncResource.bind` runs outside any request scope — true of every AsyncLocalStorage
 * in Node. Express 5's own body parsers keep the scope (tested with a body arriving after its
 * headers); for another parser, register this middleware after it.
 */
export function expressTracing<Request extends IncomingMessage = IncomingMessage>(
  options?: RequestTracingOptions<Request>,
): (request: Request, response: unknown, next: (error?: unknown) => void) => void {
  const readContext = contextReader('expressTracing', options);
  return (request, _response, next) => {
    withTrace(readContext(request), () => next());
  };
}

/** The part of a Fastify instance the plugin uses. */
export interface FastifyLike {
  addHook(
    name: 'onRequest' | 'preValidation',
    hook: (request: any, reply: any, done: (error?: Error) => void) => void,
  ): unknown;
}

/** A Fastify plugin (callback style), applied to the whole instance, not encapsulated. */
export type FastifyTracingPlugin = ((
  instance: FastifyLike,
  options: unknown,
  done: (error?: Error) => void,
) => void) & { [key: symbol]: unknown };

const REQUEST_SCOPE = Symbol('lazytrace.requestScope');

/**
 * Fastify plugin: `fastify.register(fastifyTracing({ context: (request) => … }))`.
 *
 * The scope is entered in `onRequest` and entered again in `preValidation`, the first hook after
 * the body was read: where a body parser resumes from the request stream's `end` event without
 * binding its context, what follows would otherwise run outside the scope (the approach of
 * `@fastify/request-context`).
 */
export function fastifyTracing<Request = any>(
  options?: RequestTracingOptions<Request>,
): FastifyTracingPlugin {
  const readContext = contextReader('fastifyTracing', options);
  const plugin = ((instance: FastifyLike, _options: unknown, done: (error?: Error) => void) => {
    instance.addHook('onRequest', (request, _reply, next) => {
      withTrace(readContext(request as Request), () => {
        const scope = new AsyncResource('lazytrace.request');
        try {
          (request as Record<symbol, unknown>)[REQUEST_SCOPE] = scope;
        } catch {
          // A frozen request object: the scope still holds until the body is read.
        }
        scope.runInAsyncScope(next);
      });
    });
    instance.addHook('preValidation', (request, _reply, next) => {
      const scope = (request as Record<symbol, unknown>)[REQUEST_SCOPE];
      if (scope instanceof AsyncResource) scope.runInAsyncScope(next);
      else next();
    });
    done();
  }) as FastifyTracingPlugin;
  // What `fastify-plugin` sets: not encapsulated, so the hooks apply to every route.
  plugin[Symbol.for('skip-override')] = true;
  plugin[Symbol.for('fastify.display-name')] = 'lazytrace';
  return plugin;
}

/** The part of a Hono context the middleware's default needs. */
export interface HonoContextLike {
  readonly req: { header(name: string): string | undefined };
}

/**
 * Hono middleware: `app.use(honoTracing({ context: (c) => ({ userId: c.req.header('x-user-id') }) }))`.
 * The rest of the request, everything it awaits, runs in the request's trace scope (on Node
 * through `@hono/node-server`, on any runtime with AsyncLocalStorage).
 */
export function honoTracing<Context = HonoContextLike>(
  options?: RequestTracingOptions<Context>,
): (c: Context, next: () => Promise<void>) => Promise<void> {
  const readContext = contextReader('honoTracing', options);
  return (c, next) => withTrace(readContext(c), () => next());
}
