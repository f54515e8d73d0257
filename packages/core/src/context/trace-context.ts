import { AsyncLocalStorage, executionAsyncId } from 'node:async_hooks';
import { sharedSingleton } from '../global-state.js';
import { typeName } from '../invocation.js';

/** On/off switches for one module name, class or kind. `false` is short for `{ enabled: false }`. */
export type ModuleSwitch = boolean | { readonly enabled?: boolean; readonly captureContent?: boolean };

/** Per-module switches (LazyLLM's `module_trace`). A name match beats a class match beats a kind match. */
export interface ModuleSwitches {
  readonly byName?: Readonly<Record<string, ModuleSwitch>>;
  readonly byClass?: Readonly<Record<string, ModuleSwitch>>;
  readonly byKind?: Readonly<Record<string, ModuleSwitch>>;
}

/** The trace configuration of a request: what `setTrace` / `withTrace` set. */
export interface TraceContext {
  /** Tracing on/off for calls in this context. */
  readonly enabled?: boolean;
  readonly sessionId?: string;
  readonly userId?: string;
  /** Tags are added to those of outer scopes (deduplicated), never replace them. */
  readonly tags?: readonly string[];
  /** Record inputs and outputs. */
  readonly captureContent?: boolean;
  /** Name of the trace; defaults to the name of the request's root runnable. */
  readonly traceName?: string;
  /** String metadata, merged key by key over outer scopes. */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * `false`: this request is sampled out (no spans). `true`: keep it even under a sample rate
   * (honoured by lazytrace's sampler in `@lazytrace/config`).
   */
  readonly sampled?: boolean;
  /** Per-module switches, merged over outer scopes. */
  readonly modules?: ModuleSwitches;
}

/** The effective trace configuration: every field resolved. */
export interface ResolvedTraceContext {
  readonly enabled: boolean;
  readonly sessionId: string | undefined;
  readonly userId: string | undefined;
  readonly tags: readonly string[];
  readonly captureContent: boolean;
  readonly traceName: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
  readonly sampled: boolean | undefined;
  readonly modules: ModuleSwitches;
}

const TRACE_CONTEXT_KEYS: readonly (keyof TraceContext)[] = [
  'enabled',
  'sessionId',
  'userId',
  'tags',
  'captureContent',
  'traceName',
  'metadata',
  'sampled',
  'modules',
];

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

/** One `setTrace`/`withTrace` layer. What the async storage holds. */
interface Scope {
  readonly parent: Scope | undefined;
  readonly patch: TraceContext;
  /** The async resource whose callback called `setTrace` (0 for `withTrace`). */
  readonly owner: number;
  /** Set once that callback has returned: later callbacks of the same resource must not see this scope. */
  sealed: boolean;
  /** The patch merged over its parents and the defaults of `version`. */
  resolved: ResolvedTraceContext;
  version: number;
}

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
}

const state = sharedSingleton<StoreState>('trace-context', () => ({
  storage: new AsyncLocalStorage(),
  scopeEnabled: false,
  defaults: BASE,
  version: 0,
}));

/**
 * Checks a trace configuration and returns a frozen copy. Throws a `TypeError` naming the field
 * for a wrong type or an unknown key (`fnName` says who is asking).
 */
export function validateTraceContext(config: unknown, fnName = 'setTrace'): TraceContext {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new TypeError(`${fnName}: expected an object, got ${typeName(config)}`);
  }
  const input = config as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    if (!(TRACE_CONTEXT_KEYS as readonly string[]).includes(key)) {
      throw new TypeError(`${fnName}: unknown key "${key}" (known keys: ${TRACE_CONTEXT_KEYS.join(', ')})`);
    }
    const value = input[key];
    if (value === undefined) continue;
    switch (key as keyof TraceContext) {
      case 'enabled':
      case 'captureContent':
      case 'sampled':
        if (typeof value !== 'boolean') throw fieldError(fnName, key, 'a boolean', value);
        out[key] = value;
        break;
      case 'sessionId':
      case 'userId':
      case 'traceName':
        if (typeof value !== 'string') throw fieldError(fnName, key, 'a string', value);
        out[key] = value;
        break;
      case 'tags':
        if (!Array.isArray(value)) throw fieldError(fnName, key, 'an array of strings', value);
        value.forEach((tag, i) => {
          if (typeof tag !== 'string') throw fieldError(fnName, `tags[${i}]`, 'a string', tag);
        });
        out[key] = Object.freeze([...new Set(value as string[])]);
        break;
      case 'metadata':
        out[key] = Object.freeze(
          validateRecord(fnName, key, value, (v, path) => {
            if (typeof v !== 'string') throw fieldError(fnName, path, 'a string', v);
            return v;
          }),
        );
        break;
      case 'modules':
        out[key] = validateModules(fnName, value);
        break;
    }
  }
  return Object.freeze(out) as TraceContext;
}

function validateModules(fnName: string, value: unknown): ModuleSwitches {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw fieldError(fnName, 'modules', 'an object { byName?, byClass?, byKind? }', value);
  }
  const out: Record<string, unknown> = {};
  for (const [group, switches] of Object.entries(value)) {
    if (group !== 'byName' && group !== 'byClass' && group !== 'byKind') {
      throw new TypeError(`${fnName}: unknown key "modules.${group}" (known keys: byName, byClass, byKind)`);
    }
    if (switches === undefined) continue;
    out[group] = Object.freeze(
      validateRecord(fnName, `modules.${group}`, switches, (v, path) => validateSwitch(fnName, path, v)),
    );
  }
  return Object.freeze(out) as ModuleSwitches;
}

function validateSwitch(fnName: string, path: string, value: unknown): ModuleSwitch {
  if (typeof value === 'boolean') return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw fieldError(fnName, path, 'a boolean or { enabled?, captureContent? }', value);
  }
  const out: { enabled?: boolean; captureContent?: boolean } = {};
  for (const [key, v] of Object.entries(value)) {
    if (key !== 'enabled' && key !== 'captureContent') {
      throw new TypeError(`${fnName}: unknown key "${path}.${key}" (known keys: enabled, captureContent)`);
    }
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw fieldError(fnName, `${path}.${key}`, 'a boolean', v);
    out[key] = v;
  }
  return Object.freeze(out);
}

function validateRecord<T>(
  fnName: string,
  path: string,
  value: unknown,
  check: (v: unknown, path: string) => T,
): Record<string, T> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw fieldError(fnName, path, 'an object', value);
  }
  const out: Record<string, T> = {};
  for (const [key, v] of Object.entries(value)) out[key] = check(v, `${path}.${key}`);
  return out;
}

function fieldError(fnName: string, field: string, expected: string, got: unknown): TypeError {
  return new TypeError(`${fnName}: "${field}" must be ${expected}, got ${typeName(got)}`);
}

/** Applies a (validated) patch over a resolved context: scalars replace, tags add up, records merge. */
function merge(base: ResolvedTraceContext, patch: TraceContext): ResolvedTraceContext {
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

/**
 * The scope in force here. A scope that `setTrace` entered in an earlier callback of the current
 * async resource is skipped: Node runs every request of a keep-alive connection in callbacks of
 * the same parser resource, and without this the second request on a connection would start
 * with the first request's session and user.
 */
function currentScope(): Scope | undefined {
  let scope = state.storage.getStore();
  while (scope?.sealed === true && scope.owner === executionAsyncId()) scope = scope.parent;
  return scope;
}

function resolve(scope: Scope): ResolvedTraceContext {
  if (scope.version !== state.version) {
    scope.resolved = merge(scope.parent ? resolve(scope.parent) : state.defaults, scope.patch);
    scope.version = state.version;
  }
  return scope.resolved;
}

function deriveScope(patch: TraceContext, owner: number): Scope {
  if (patch.enabled === true) state.scopeEnabled = true;
  const parent = currentScope();
  return {
    parent,
    patch,
    owner,
    sealed: false,
    resolved: merge(parent ? resolve(parent) : state.defaults, patch),
    version: state.version,
  };
}

/** The effective trace configuration here: defaults ← outer scopes ← inner scopes. */
export function getTraceContext(): ResolvedTraceContext {
  const scope = currentScope();
  return scope === undefined ? state.defaults : resolve(scope);
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
 * from it (`AsyncLocalStorage.enterWith`). Copy-on-write: never mutates what another context sees.
 */
export function enterTraceContext(config: TraceContext): void {
  const owner = executionAsyncId();
  const scope = deriveScope(validateTraceContext(config, 'setTrace'), owner);
  state.storage.enterWith(scope);
  // Microtasks run once the current callback has returned: from then on, what continues from
  // this callback already carries the scope, and later callbacks of the same resource must not.
  // (Ids 0 and 1 are the program's top level, whose setTrace is meant for everything after it.)
  if (owner > 1) {
    queueMicrotask(() => {
      scope.sealed = true;
    });
  }
}

/** Runs `fn` in a child scope with `config` applied over the current configuration. */
export function runWithTraceContext<R>(config: TraceContext, fn: () => R): R {
  if (typeof fn !== 'function')
    throw new TypeError(`withTrace: "fn" must be a function, got ${typeName(fn)}`);
  return state.storage.run(deriveScope(validateTraceContext(config, 'withTrace'), 0), fn);
}

/**
 * Replaces the process-wide defaults (the layer under every scope), e.g. from the environment.
 * Scopes keep their own settings on top of the new defaults.
 */
export function setTraceDefaults(config: TraceContext): void {
  state.defaults = merge(BASE, validateTraceContext(config, 'setTraceDefaults'));
  state.version++;
}

export function getTraceDefaults(): ResolvedTraceContext {
  return state.defaults;
}
