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

/**
 * Definitions of the frozen registration arrays providers return (the tracing provider returns
 * the same frozen array on every call): normalized and sorted once, not once per call.
 */
const definitionsByArray = new WeakMap<readonly HookRegistration[], readonly HookDefinition[]>();

/** The last array looked up: calls in a row mostly get the same one (no WeakMap lookup then). */
let lastProvided: readonly HookRegistration[] | undefined;
let lastDefinitions: readonly HookDefinition[] = [];

function definitionsOf(
  provided: readonly HookRegistration[],
  provider: HookProvider,
): readonly HookDefinition[] {
  if (provided === lastProvided) return lastDefinitions;
  const cached = definitionsByArray.get(provided);
  if (cached !== undefined) {
    lastProvided = provided;
    lastDefinitions = cached;
    return cached;
  }
  const definitions: HookDefinition[] = [];
  for (const registration of provided) {
    try {
      const definition = toHookDefinition(registration);
      if (!definitions.includes(definition)) definitions.push(definition);
    } catch (error) {
      logProviderFailure(provider, 'returned an invalid hook', error);
    }
  }
  sortByPriority(definitions);
  if (Object.isFrozen(provided)) definitionsByArray.set(provided, definitions);
  return definitions;
}

function logProviderFailure(provider: HookProvider, what: string, error: unknown): void {
  if (state.providerFailuresLogged.has(provider)) return;
  state.providerFailuresLogged.add(provider);
  const cause = error === undefined ? '' : `: ${describeError(error)}`;
  logWarning(`hook provider ${what} and was skipped (logged once)${cause}`);
}

/**
 * The hooks of one invocation, sorted by priority (stable for equal priorities). With no own
 * hooks and one provider answering (the usual case: tracing), it returns that provider's cached
 * definitions: nothing is allocated per call.
 */
export function collectHooks(
  own: readonly HookDefinition[],
  invocation: Invocation,
): readonly HookDefinition[] {
  const providers = state.providers;
  let found = own;
  let merged: HookDefinition[] | undefined;
  for (let i = 0; i < providers.length; i++) {
    const provider = providers[i]!;
    let definitions: readonly HookDefinition[];
    try {
      const provided = provider(invocation.runnable, invocation);
      if (!Array.isArray(provided)) {
        // Not an array (undefined, a number, an array-like …): no hooks from it, never a failed call.
        const what = provided === null ? 'null' : typeof provided;
        logProviderFailure(provider, `returned ${what}, not an array of hooks,`, undefined);
        continue;
      }
      if (provided.length === 0) continue;
      definitions = definitionsOf(provided, provider);
    } catch (error) {
      logProviderFailure(provider, 'failed', error);
      continue;
    }
    if (found.length === 0) {
      found = definitions;
      continue;
    }
    merged ??= found.slice();
    for (const definition of definitions) if (!merged.includes(definition)) merged.push(definition);
    found = merged;
  }
  if (merged !== undefined) sortByPriority(merged);
  return found.length === 0 ? NO_HOOKS : found;
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
