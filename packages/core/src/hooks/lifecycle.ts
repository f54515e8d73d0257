import { context } from '@opentelemetry/api';
import { currentScope, restoreScope, runInScope, type Scope } from '../context/trace-context.js';
import type { Invocation } from '../invocation.js';
import type { Hook, HookPhase, HookRegistration } from './hook.js';
import { type HookFailure, HookPhaseError } from './hook-phase-error.js';
import { type HookDefinition, logHookFailure, toHookDefinition } from './registry.js';

type EndPhase = 'post' | 'onError' | 'finalize';
type Phase = (this: Hook, argument: unknown) => unknown;

/** Shared by the ESM and CJS builds, so a hook marked by one is known to the other. */
const BUILT_IN = Symbol.for('lazytrace.hooks.builtIn');
type Marked = HookDefinition & { [BUILT_IN]?: true };

/**
 * @internal Marks one of lazytrace's own hooks (tracing, context carriers): its `pre` must run in
 * the caller's context (it looks the caller's trace context up), it never enters a trace scope,
 * and its `around` calls `next` exactly once, synchronously. Such hooks skip the guards user hooks
 * get, so a call with no user hook pays nothing for them.
 */
export function markBuiltInHook(registration: HookRegistration): void {
  (toHookDefinition(registration) as Marked)[BUILT_IN] = true;
}

function isBuiltIn(definition: HookDefinition): boolean {
  return (definition as Marked)[BUILT_IN] === true;
}

/**
 * @internal Whether a call's hooks are one of lazytrace's own alone (the usual traced call): then
 * the runner calls it directly (`runnables/run.ts`), with no `Lifecycle`, no hook arrays and no
 * chain, and the phase helpers below give it the guards `Lifecycle` would.
 */
export function isOwnHookAlone(definitions: readonly HookDefinition[]): boolean {
  if (definitions.length !== 1) return false;
  const definition = definitions[0]!;
  // A strict one could fail the call in `post`: that is `Lifecycle`'s to handle.
  return isBuiltIn(definition) && definition.errorMode === 'warn';
}

/**
 * @internal Creates and starts lazytrace's own hook for a call (`isOwnHookAlone`), as
 * `Lifecycle.start` does: a failure is logged once and never fails the call; a hook that could
 * not be created is left out (undefined), one whose `pre` failed still runs its other phases.
 */
export function startOwnHook(
  definition: HookDefinition,
  invocation: Invocation,
  input: unknown,
): Hook | undefined {
  let hook: Hook;
  try {
    hook = createHook(definition, invocation);
  } catch (error) {
    logHookFailure(definition, 'create', error);
    return undefined;
  }
  try {
    hook.pre?.(input);
  } catch (error) {
    logHookFailure(definition, 'pre', error);
  }
  return hook;
}

/** A definition's hook for one call; throws if `create` does or returns something that is no hook. */
function createHook(definition: HookDefinition, invocation: Invocation): Hook {
  const hook = definition.create(invocation);
  if (hook === null || (typeof hook !== 'object' && typeof hook !== 'function')) {
    throw new TypeError(`create() returned ${describeValue(hook)}, not a hook object`);
  }
  return hook;
}

/** @internal The call of a started own hook succeeded: its `post` then its `finalize`. Never throws. */
export function succeedOwnHook(definition: HookDefinition, hook: Hook, output: unknown): void {
  try {
    hook.post?.(output);
  } catch (error) {
    logHookFailure(definition, 'post', error);
  }
  finalizeOwnHook(definition, hook);
}

/** @internal The call of a started own hook failed: its `onError` then its `finalize`. Never throws. */
export function failOwnHook(definition: HookDefinition, hook: Hook, error: unknown): void {
  try {
    hook.onError?.(error);
  } catch (failure) {
    logHookFailure(definition, 'onError', failure);
  }
  finalizeOwnHook(definition, hook);
}

function finalizeOwnHook(definition: HookDefinition, hook: Hook): void {
  try {
    hook.finalize?.();
  } catch (error) {
    logHookFailure(definition, 'finalize', error);
  }
}

/**
 * The hooks of one invocation and the phases they go through. Used for plain calls (where the
 * call ends when its promise settles) and for streams (where it ends with the iteration).
 *
 * Every hook call is guarded: a `'warn'` hook's failure is logged once per hook and phase and
 * never changes what the caller sees; a `'strict'` hook's failure in `pre` or `post` becomes one
 * `HookPhaseError` for the phase; `onError` and `finalize` failures are only logged.
 */
export class Lifecycle {
  /** Hooks created for this call, and their definitions at the same index. */
  private readonly hooks: Hook[] = [];
  private readonly created: HookDefinition[] = [];
  private ended = false;
  /** Whether any hook is not one of lazytrace's own (then phases are guarded, see `inCall`). */
  private userHooks = false;
  /** The scope a user hook's `pre` entered for this call (`setTrace`), re-entered by `around`. */
  private preScope: Scope | undefined;
  private hasPreScope = false;

  constructor(
    private readonly definitions: readonly HookDefinition[],
    readonly invocation: Invocation,
  ) {}

  /**
   * @internal The lifecycle of a call whose own hook the runner started directly
   * (`startOwnHook`) and whose result turned out to be a stream: the stream ends the call.
   */
  static ofStartedOwnHook(definition: HookDefinition, hook: Hook, invocation: Invocation): Lifecycle {
    const lifecycle = new Lifecycle([definition], invocation);
    lifecycle.hooks.push(hook);
    lifecycle.created.push(definition);
    return lifecycle;
  }

  /** Creates the hooks and runs every `pre`. Throws `HookPhaseError` after ending the call if a strict hook failed. */
  start(input: unknown): void {
    let failures: HookFailure[] | undefined;
    let before: Scope | undefined;
    for (const definition of this.definitions) {
      const user = !isBuiltIn(definition);
      if (user && !this.userHooks) {
        this.userHooks = true;
        before = currentScope();
      }
      let hook: Hook;
      try {
        hook = createHook(definition, this.invocation);
      } catch (error) {
        failures = this.failed(definition, 'create', error, failures);
        continue;
      }
      this.hooks.push(hook);
      this.created.push(definition);
      try {
        // Read inside the guard: a getter (or a Proxy trap) may throw too.
        const pre = hook.pre as Phase | undefined;
        if (pre !== undefined) {
          settle(user ? this.inCall(hook, pre, input) : pre.call(hook, input), definition, 'pre');
        }
      } catch (error) {
        failures = this.failed(definition, 'pre', error, failures);
      }
    }
    if (this.userHooks) {
      // A `setTrace` in a user hook's `pre` belongs to the hooked call (it ran in the call's
      // context, so the scope is anchored to it): kept for `around`, taken off the caller, whose
      // next call would otherwise get it.
      const after = currentScope();
      if (after !== before) {
        this.preScope = after;
        this.hasPreScope = true;
        restoreScope(before);
      }
    }
    if (failures !== undefined) {
      const error = new HookPhaseError('pre', this.invocation.name, failures);
      this.fail(error);
      throw error;
    }
  }

  /** Runs `call` inside every hook's `around`, lowest priority outermost. `call` runs exactly once. */
  around<R>(call: () => R): R {
    if (this.hasPreScope) return runInScope(this.preScope, (inner: () => R) => this.chain(inner), call);
    return this.chain(call);
  }

  /**
   * @internal lazytrace's own hook when it is the call's only one and no user hook's `pre`
   * entered a scope: then `around` is that hook's `around`, and a stream's pulls (once per chunk)
   * call it directly. Undefined otherwise (go through `around`).
   */
  soleOwnHook(): (Hook & { around<R>(next: () => R): R }) | undefined {
    if (this.userHooks || this.hasPreScope || this.hooks.length !== 1) return undefined;
    const hook = this.hooks[0]!;
    // lazytrace's own hooks define `around` as a method, never as a getter.
    return typeof hook.around === 'function' ? (hook as Hook & { around<R>(next: () => R): R }) : undefined;
  }

  private chain<R>(call: () => R): R {
    const hooks = this.hooks;
    // Also runs once per chunk of a stream: the usual single hook goes without building a chain
    // (and lazytrace's own hook, which calls `next` once and at once, without the guard).
    if (hooks.length === 1) {
      const around = this.aroundOf(0);
      if (around === undefined) return call();
      return this.userHooks
        ? guardedAround(this.created[0]!, hooks[0]!, around, call)
        : (around.call(hooks[0], call) as R);
    }
    let next = call;
    for (let i = hooks.length - 1; i >= 0; i--) {
      const around = this.aroundOf(i);
      if (around === undefined) continue;
      const hook = hooks[i]!;
      const definition = this.created[i]!;
      const inner = next;
      next = isBuiltIn(definition)
        ? () => around.call(hook, inner) as R
        : () => guardedAround(definition, hook, around, inner);
    }
    return next();
  }

  /**
   * A user hook's phase, run in the call's own context when tracing made one: `getTraceId()` and
   * `ctx.traceId` there are the call's, and a `setTrace` is anchored to the call.
   */
  private inCall(hook: Hook, phase: Phase, argument: unknown): unknown {
    const own = this.invocation.callContext;
    return own === undefined ? phase.call(hook, argument) : context.with(own, phase, hook, argument);
  }

  /** The `around` of hook `i`, read without letting a throwing getter out. */
  private aroundOf(i: number): Around | undefined {
    try {
      return this.hooks[i]!.around as Around | undefined;
    } catch (error) {
      logHookFailure(this.created[i]!, 'around', error);
      return undefined;
    }
  }

  /** The call succeeded: every `post` then every `finalize`, in reverse order. */
  succeed(output: unknown): void {
    if (this.ended) return;
    this.ended = true;
    const failures = this.runReverse('post', output);
    this.runReverse('finalize', undefined);
    if (failures !== undefined) throw new HookPhaseError('post', this.invocation.name, failures);
  }

  /** The call failed: every `onError` then every `finalize`, in reverse order. Never throws. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.runReverse('onError', error);
    this.runReverse('finalize', undefined);
  }

  private runReverse(phase: EndPhase, argument: unknown): HookFailure[] | undefined {
    let failures: HookFailure[] | undefined;
    // A `setTrace` in a user hook's end phase stays there: the caller's continuation and the
    // consumer pulling a stream's last chunk keep their own scope.
    const before = this.userHooks ? currentScope() : undefined;
    for (let i = this.hooks.length - 1; i >= 0; i--) {
      const hook = this.hooks[i]!;
      const definition = this.created[i]!;
      try {
        const method = hook[phase] as Phase | undefined;
        if (method === undefined) continue;
        settle(
          isBuiltIn(definition) ? method.call(hook, argument) : this.inCall(hook, method, argument),
          definition,
          phase,
        );
      } catch (error) {
        // Only `post` may fail a call, and only for a strict hook: an onError/finalize failure
        // must never replace the business error.
        if (phase === 'post') failures = this.failed(definition, phase, error, failures);
        else logHookFailure(definition, phase, error);
      }
    }
    if (this.userHooks) restoreScope(before);
    return failures;
  }

  private failed(
    definition: HookDefinition,
    phase: HookPhase,
    error: unknown,
    failures: HookFailure[] | undefined,
  ): HookFailure[] | undefined {
    if (definition.errorMode !== 'strict') {
      logHookFailure(definition, phase, error);
      return failures;
    }
    const list = failures ?? [];
    list.push({ hook: definition.name, error });
    return list;
  }
}

/** A hook method is typed `void`, but an async one must not leave an unhandled rejection behind. */
function settle(result: unknown, definition: HookDefinition, phase: HookPhase): void {
  if (result !== undefined && typeof (result as PromiseLike<unknown>)?.then === 'function') {
    (result as PromiseLike<unknown>).then(undefined, (error: unknown) =>
      logHookFailure(definition, phase, error),
    );
  }
}

/**
 * Calls `hook.around(next)` so that whatever the hook does, the business call runs exactly once
 * and its own value or error (the same instance) is what comes out:
 * - `next` not called by the time `around` returns (called after an `await`, in a microtask or a
 *   timer, or never): the call runs right then, outside the hook's context, and a later `next()`
 *   gets the same value (or error) again without running anything;
 * - `next` called twice: the second call gets the first call's value (or error) again;
 * - whatever `around` returns or throws is ignored (a throw is logged); a promise it returns is
 *   observed, so a hook failing asynchronously leaves no unhandled rejection behind.
 * Misuse is logged once per hook, like any hook failure.
 */
function guardedAround<R>(definition: HookDefinition, hook: Hook, around: Around, next: () => R): R {
  // 0: not run yet, 1: returned, 2: threw. A number (not a union) so the checks below are not narrowed away.
  let state: number = 0;
  let value: R | undefined;
  let thrown: unknown;
  const guardedNext = (): R => {
    if (state !== 0) {
      logHookFailure(definition, 'around', new Error(MISUSE));
      if (state === 2) throw thrown;
      return value as R;
    }
    try {
      value = next();
      state = 1;
    } catch (error) {
      thrown = error;
      state = 2;
      throw error;
    }
    return value;
  };
  let returned: unknown;
  try {
    returned = around.call(hook, guardedNext);
  } catch (error) {
    if (!(state === 2 && error === thrown)) logHookFailure(definition, 'around', error);
  }
  if (state === 0) {
    logHookFailure(definition, 'around', new Error(MISUSE));
    try {
      guardedNext();
    } catch {
      // `thrown` holds it; rethrown below, after the hook's own promise is observed.
    }
  }
  if (returned !== value && returned instanceof Promise)
    observeAround(definition, returned, value, state, thrown);
  if (state === 2) throw thrown;
  return value as R;
}

const MISUSE =
  'around() must call next() exactly once before returning; the call ran once and a late or repeated next() got its result again';

/** A promise an `around` returned: its rejection is reported unless it is the call's own error. */
function observeAround(
  definition: HookDefinition,
  returned: Promise<unknown>,
  value: unknown,
  state: number,
  thrown: unknown,
): void {
  returned.then(undefined, (error: unknown) => {
    if (state === 2 && error === thrown) return;
    if (!(value instanceof Promise)) {
      logHookFailure(definition, 'around', error);
      return;
    }
    value.then(
      () => logHookFailure(definition, 'around', error),
      (own: unknown) => {
        if (own !== error) logHookFailure(definition, 'around', error);
      },
    );
  });
}

type Around = (next: () => unknown) => unknown;

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  return typeof value;
}
