import { sharedSingleton } from '../global-state.js';
import type { Invocation } from '../invocation.js';
import { describeError, logWarning } from '../logger.js';
import {
  DEFAULT_HOOK_PRIORITY,
  type Hook,
  type HookErrorMode,
  type HookFactory,
  type HookPhase,
  type HookProvider,
  type HookRegistration,
} from './hook.js';

/** A registration in the one shape the runner uses. One per registration object, cached. */
export interface HookDefinition {
  readonly name: string;
  readonly priority: number;
  readonly errorMode: HookErrorMode;
  readonly create: (invocation: Invocation) => Hook;
  /** Phases whose failure was already logged: a failing hook is reported once, not per call. */
  readonly loggedPhases: Set<HookPhase>;
}

const state = sharedSingleton('hooks', () => ({
  providers: [] as HookProvider[],
  definitions: new WeakMap<object, HookDefinition>(),
  providerFailuresLogged: new WeakSet<HookProvider>(),
}));

export function toHookDefinition(registration: HookRegistration): HookDefinition {
  const cached = state.definitions.get(registration);
  if (cached !== undefined) return cached;
  const definition = normalize(registration);
  state.definitions.set(registration, definition);
  return definition;
}

function normalize(registration: HookRegistration): HookDefinition {
  if (typeof registration === 'function') {
    const ctor = registration;
    return makeDefinition(
      ctor.hookName ?? ctor.name ?? 'anonymous hook',
      ctor.priority,
      ctor.errorMode,
      (inv) => new ctor(inv),
    );
  }
  if (
    registration !== null &&
    typeof registration === 'object' &&
    typeof registration.create === 'function'
  ) {
    const factory: HookFactory = registration;
    return makeDefinition(factory.name ?? 'anonymous hook', factory.priority, factory.errorMode, (inv) =>
      factory.create(inv),
    );
  }
  throw new TypeError(
    'registerHook: "hook" must be a hook class or an object with a create(invocation) method',
  );
}

function makeDefinition(
  name: string,
  priority: number | undefined,
  errorMode: HookErrorMode | undefined,
  create: (invocation: Invocation) => Hook,
): HookDefinition {
  if (priority !== undefined && (typeof priority !== 'number' || Number.isNaN(priority))) {
    throw new TypeError(
      `registerHook: "priority" of hook "${name}" must be a number, got ${String(priority)}`,
    );
  }
  if (errorMode !== undefined && errorMode !== 'warn' && errorMode !== 'strict') {
    throw new TypeError(
      `registerHook: "errorMode" of hook "${name}" must be 'warn' or 'strict', got ${String(errorMode)}`,
    );
  }
  return {
    name,
    priority: priority ?? DEFAULT_HOOK_PRIORITY,
    errorMode: errorMode ?? 'warn',
    create,
    loggedPhases: new Set(),
  };
}

/**
 * Registers a function consulted on every invocation of every runnable; the hooks it returns
 * run for that invocation. Consulting per call (not per construction) is what lets a switch such
 * as `setTrace({ enabled: false })` take effect on pipelines built earlier. Returns a function that
 * removes the provider. Registering the same provider twice is a no-op.
 */
export function registerHookProvider(provider: HookProvider): () => void {
  if (typeof provider !== 'function') {
    throw new TypeError(`registerHookProvider: "provider" must be a function, got ${typeof provider}`);
  }
  if (!state.providers.includes(provider)) state.providers.push(provider);
  return () => {
    const index = state.providers.indexOf(provider);
    if (index >= 0) state.providers.splice(index, 1);
  };
}

const NO_HOOKS: readonly HookDefinition[] = Object.freeze([]);

/** The hooks of one invocation, sorted by priority (stable for equal priorities). */
export function collectHooks(
  own: readonly HookDefinition[],
  invocation: Invocation,
): readonly HookDefinition[] {
  const providers = state.providers;
  let result: HookDefinition[] | undefined;
  for (let i = 0; i < providers.length; i++) {
    const provider = providers[i]!;
    let provided: readonly HookRegistration[];
    try {
      provided = provider(invocation.runnable, invocation);
    } catch (error) {
      if (!state.providerFailuresLogged.has(provider)) {
        state.providerFailuresLogged.add(provider);
        logWarning(`hook provider failed and was skipped (logged once): ${describeError(error)}`);
      }
      continue;
    }
    if (provided.length === 0) continue;
    result ??= own.slice();
    for (const registration of provided) {
      let definition: HookDefinition;
      try {
        definition = toHookDefinition(registration);
      } catch (error) {
        if (!state.providerFailuresLogged.has(provider)) {
          state.providerFailuresLogged.add(provider);
          logWarning(`hook provider returned an invalid hook (logged once): ${describeError(error)}`);
        }
        continue;
      }
      if (!result.includes(definition)) result.push(definition);
    }
  }
  const hooks = result ?? own;
  if (hooks.length === 0) return NO_HOOKS;
  if (hooks.length === 1 || result === undefined) return hooks;
  return result.sort((a, b) => a.priority - b.priority);
}

export function sortByPriority(hooks: HookDefinition[]): HookDefinition[] {
  return hooks.sort((a, b) => a.priority - b.priority);
}

export function logHookFailure(definition: HookDefinition, phase: HookPhase, error: unknown): void {
  if (definition.loggedPhases.has(phase)) return;
  definition.loggedPhases.add(phase);
  logWarning(
    `hook "${definition.name}" failed in "${phase}"; the call went on (further failures of this hook in this phase are not logged): ${describeError(error)}`,
  );
}
