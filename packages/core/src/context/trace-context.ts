import { AsyncLocalStorage } from 'node:async_hooks';
import { type Context, context as otelContext } from '@opentelemetry/api';
import { sharedSingleton } from '../global-state.js';
import { typeName } from '../invocation.js';
import { type CallNode, callNodeOf, type Scope } from './call-node.js';
import { installRequestBoundary } from './request-boundary.js';
import type { ModuleSwitch, ResolvedTraceContext, TraceContext, TraceContextPatch } from './types.js';
import { readTraceContext, validateTraceContext } from './validate.js';

export type { Scope } from './call-node.js';

const BASE: ResolvedTraceContext = Object.freeze({
  enabled: true,
  sessionId: undefined,
  userId: undefined,
  tags: Object.freeze([]) as readonly string[],
  captureContent: true,
  traceName: undefined,
  metadata: Object.freeze({}),
  sampled: undefined,
  modules: Object.freeze({}),
});

interface StoreState {
  readonly storage: AsyncLocalStorage<Scope>;
  /**
   * Whether any scope ever switched tracing on. While none has and the defaults say off, a call
   * can be known to be untraced without looking up its async context (the off path's whole cost).
   */
  scopeEnabled: boolean;
  /** Process-wide defaults (environment, `initTracing` options): the layer under every scope. */
  defaults: ResolvedTraceContext;
  /** Bumped when the defaults change; scopes merged over older defaults are re-merged lazily. */
  version: number;
  /**
   * Counts every `enterWith` on the storage (each goes through `enterScope`). The store of the
   * running code changes for good only through one (`run` puts it back itself), so code that ran
   * without this count moving left the store as it found it (see `keepCallerScope`).
   */
  scopeWrites: number;
}

// v3: every `enterWith` counts in `scopeWrites` (a copy that did not count must not share the store).
const state = sharedSingleton<StoreState>('trace-context/v3', () => {
  const storage = new AsyncLocalStorage<Scope>();
  const store: StoreState = { storage, scopeEnabled: false, defaults: BASE, version: 0, scopeWrites: 0 };
  installRequestBoundary(storage, (scope) => enterScope(store, scope));
  return store;
});

/** Every `enterWith` on the storage, counted. */
function enterScope(store: StoreState, scope: Scope | undefined): void {
  store.scopeWrites++;
  store.storage.enterWith(scope as Scope);
}

/** Applies a (read) patch over a resolved context: scalars replace, tags add up, records merge. */
function merge(base: ResolvedTraceContext, patch: TraceContextPatch): ResolvedTraceContext {
  const modules = patch.modules;
  return Object.freeze({
    enabled: patch.enabled ?? base.enabled,
    sessionId: patch.sessionId ?? base.sessionId,
    userId: patch.userId ?? base.userId,
    tags:
      patch.tags === undefined || patch.tags.length === 0
        ? base.tags
        : Object.freeze([...new Set([...base.tags, ...patch.tags])]),
    captureContent: patch.captureContent ?? base.captureContent,
    traceName: patch.traceName ?? base.traceName,
    metadata:
      patch.metadata === undefined ? base.metadata : Object.freeze({ ...base.metadata, ...patch.metadata }),
    sampled: patch.sampled ?? base.sampled,
    modules:
      modules === undefined
        ? base.modules
        : Object.freeze({
            byName: mergeSwitches(base.modules.byName, modules.byName),
            byClass: mergeSwitches(base.modules.byClass, modules.byClass),
            byKind: mergeSwitches(base.modules.byKind, modules.byKind),
          }),
  });
}

function mergeSwitches(
  base: Readonly<Record<string, ModuleSwitch>> | undefined,
  patch: Readonly<Record<string, ModuleSwitch>> | undefined,
): Readonly<Record<string, ModuleSwitch>> | undefined {
  if (patch === undefined) return base;
  if (base === undefined) return patch;
  return Object.freeze({ ...base, ...patch });
}

function resolve(scope: Scope): ResolvedTraceContext {
  if (scope.version !== state.version) {
    scope.resolved = merge(state.defaults, scope.patch);
    scope.version = state.version;
  }
  return scope.resolved;
}

/**
 * `inner` over `outer`, as `merge` would apply them one after the other: merging the defaults
 * with the result gives what merging them with `outer` then `inner` gives.
 */
function stackPatches(outer: TraceContextPatch, inner: TraceContextPatch): TraceContextPatch {
  const resolved = merge(patchBase(outer), inner);
  const out: Record<string, unknown> = {};
  if (resolved.enabled !== undefined) out.enabled = resolved.enabled;
  if (resolved.sessionId !== undefined) out.sessionId = resolved.sessionId;
  if (resolved.userId !== undefined) out.userId = resolved.userId;
  if (resolved.tags.length > 0) out.tags = resolved.tags;
  if (resolved.captureContent !== undefined) out.captureContent = resolved.captureContent;
  if (resolved.traceName !== undefined) out.traceName = resolved.traceName;
  if (outer.metadata !== undefined || inner.metadata !== undefined) out.metadata = resolved.metadata;
  if (resolved.sampled !== undefined) out.sampled = resolved.sampled;
  if (outer.modules !== undefined || inner.modules !== undefined) out.modules = resolved.modules;
  return Object.freeze(out) as TraceContextPatch;
}

/** A patch seen as a resolved context whose unset scalars stay unset (for `stackPatches`). */
function patchBase(patch: TraceContextPatch): ResolvedTraceContext {
  return {
    enabled: patch.enabled as boolean,
    sessionId: patch.sessionId,
    userId: patch.userId,
    tags: patch.tags ?? BASE.tags,
    captureContent: patch.captureContent as boolean,
    traceName: patch.traceName,
    metadata: patch.metadata ?? BASE.metadata,
    sampled: patch.sampled,
    modules: patch.modules ?? BASE.modules,
  };
}

/**
 * The scope in force where the active call is `node`: the scope `setTrace`/`withTrace` entered
 * inside that very call (or outside any call when there is none), else the call's own scope,
 * fixed when it started. So a stream pulled by a consumer elsewhere, or a callback bound to the
 * call's OTel context, sees the request it belongs to, while a `withTrace` inside the call still
 * applies to what it runs.
 */
export function scopeFor(node: CallNode | undefined): Scope | undefined {
  const scope = state.storage.getStore();
  if (node === undefined || (scope !== undefined && scope.anchor === node)) return scope;
  return node.scope;
}

/** The effective configuration of `scope` as found by `scopeFor(node)`. */
export function resolvedFor(scope: Scope | undefined, node: CallNode | undefined): ResolvedTraceContext {
  if (node !== undefined && scope === node.scope) return node.context;
  return scope === undefined ? state.defaults : resolve(scope);
}

function deriveScope(patch: TraceContextPatch, active: Context): Scope {
  if (patch.enabled === true) state.scopeEnabled = true;
  const node = callNodeOf(active);
  const parent = scopeFor(node);
  return {
    patch: parent === undefined ? patch : stackPatches(parent.patch, patch),
    anchor: node,
    resolved: merge(resolvedFor(parent, node), patch),
    version: state.version,
  };
}

/**
 * Runs `fn` (a call's business code, or one pull of its stream) so that a `setTrace` in its
 * synchronous part stays with the call: its continuations keep it, the code that called `invoke`
 * (or pulled the stream) does not get it. Without this, `enterWith` would leave it on the
 * caller's async resource: a handler's next call, or a consumer in another request, would run
 * in the module's scope. (`AsyncLocalStorage.run` with the same store does not restore, hence by
 * hand.)
 */
export function keepCallerScope<R>(fn: () => R): R {
  const storage = state.storage;
  const before = storage.getStore();
  const writes = state.scopeWrites;
  try {
    return fn();
  } finally {
    // No `enterWith` while `fn` ran (the usual case, once per call and per stream pull): the
    // store is as it was, no second look needed.
    if (state.scopeWrites !== writes && storage.getStore() !== before) enterScope(state, before);
  }
}

/** @internal The `setTrace`/`withTrace` scope in force here (for the hook lifecycle). */
export function currentScope(): Scope | undefined {
  return state.storage.getStore();
}

/** @internal Puts `scope` back as the scope here (undoes a `setTrace` a user hook made). */
export function restoreScope(scope: Scope | undefined): void {
  if (state.storage.getStore() !== scope) enterScope(state, scope);
}

/** @internal Runs `fn(arg)` in `scope` (a scope a user hook's `pre` entered for its call). */
export function runInScope<A, R>(scope: Scope | undefined, fn: (arg: A) => R, arg: A): R {
  return state.storage.run(scope as Scope, fn, arg);
}

/** The effective trace configuration here: defaults ← outer scopes ← inner scopes. */
export function getTraceContext(): ResolvedTraceContext {
  const node = callNodeOf(otelContext.active());
  return resolvedFor(scopeFor(node), node);
}

/**
 * True when tracing is off by default and no scope ever switched it on: then no call anywhere is
 * traced, which the tracing hook provider can tell without looking up the async context.
 */
export function tracingOffEverywhere(): boolean {
  return !state.defaults.enabled && !state.scopeEnabled;
}

/**
 * Sets the trace configuration for the current async context and everything that continues
 * from it (`AsyncLocalStorage.enterWith`). Copy-on-write: never mutates what another context
 * sees. Never throws for a value: what is wrong is dropped with one warning per field.
 */
export function enterTraceContext(config: TraceContext): void {
  const patch = readTraceContext(config, 'setTrace', 'drop');
  enterScope(state, deriveScope(patch, otelContext.active()));
}

/** Runs `fn` in a child scope with `config` applied over the current configuration. */
export function runWithTraceContext<R>(config: TraceContext, fn: () => R): R {
  if (typeof fn !== 'function')
    throw new TypeError(`withTrace: "fn" must be a function, got ${typeName(fn)}`);
  const patch = readTraceContext(config, 'withTrace', 'drop');
  return state.storage.run(deriveScope(patch, otelContext.active()), fn);
}

/**
 * Replaces the process-wide defaults (the layer under every scope), e.g. from the environment.
 * Start-up configuration: a wrong value throws. Scopes keep their own settings on top of the new
 * defaults; a call already running keeps the configuration it started with.
 */
export function setTraceDefaults(config: TraceContext): void {
  state.defaults = merge(BASE, validateTraceContext(config, 'setTraceDefaults'));
  state.version++;
}

export function getTraceDefaults(): ResolvedTraceContext {
  return state.defaults;
}
