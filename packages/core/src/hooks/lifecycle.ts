import type { Invocation } from '../invocation.js';
import type { Hook, HookPhase } from './hook.js';
import { type HookFailure, HookPhaseError } from './hook-phase-error.js';
import { type HookDefinition, logHookFailure } from './registry.js';

type EndPhase = 'post' | 'onError' | 'finalize';

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

  constructor(
    private readonly definitions: readonly HookDefinition[],
    readonly invocation: Invocation,
  ) {}

  /** Creates the hooks and runs every `pre`. Throws `HookPhaseError` after ending the call if a strict hook failed. */
  start(input: unknown): void {
    let failures: HookFailure[] | undefined;
    for (const definition of this.definitions) {
      let hook: Hook;
      try {
        hook = definition.create(this.invocation);
      } catch (error) {
        failures = this.failed(definition, 'create', error, failures);
        continue;
      }
      this.hooks.push(hook);
      this.created.push(definition);
      if (hook.pre !== undefined) {
        try {
          settle(hook.pre(input), definition, 'pre');
        } catch (error) {
          failures = this.failed(definition, 'pre', error, failures);
        }
      }
    }
    if (failures !== undefined) {
      const error = new HookPhaseError('pre', this.invocation.name, failures);
      this.fail(error);
      throw error;
    }
  }

  /** Runs `call` inside every hook's `around`, lowest priority outermost. */
  around<R>(call: () => R): R {
    // Also runs once per chunk of a stream: the usual single hook goes without building a chain.
    if (this.hooks.length === 1) {
      const hook = this.hooks[0]!;
      return hook.around === undefined ? call() : guardedAround(this.created[0]!, hook, call);
    }
    let next = call;
    for (let i = this.hooks.length - 1; i >= 0; i--) {
      const hook = this.hooks[i]!;
      if (hook.around === undefined) continue;
      const definition = this.created[i]!;
      const inner = next;
      next = () => guardedAround(definition, hook, inner);
    }
    return next();
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
    for (let i = this.hooks.length - 1; i >= 0; i--) {
      const hook = this.hooks[i]!;
      const method = hook[phase];
      if (method === undefined) continue;
      const definition = this.created[i]!;
      try {
        settle(method.call(hook, argument), definition, phase);
      } catch (error) {
        // Only `post` may fail a call, and only for a strict hook: an onError/finalize failure
        // must never replace the business error.
        if (phase === 'post') failures = this.failed(definition, phase, error, failures);
        else logHookFailure(definition, phase, error);
      }
    }
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
 * and its own value or error (the same instance) is what comes out.
 */
function guardedAround<R>(definition: HookDefinition, hook: Hook, next: () => R): R {
  let called = false;
  let threw = false;
  let value: R | undefined;
  let thrown: unknown;
  const guardedNext = (): R => {
    if (called) throw new Error(`hook "${definition.name}" called next() more than once in around()`);
    called = true;
    try {
      value = next();
    } catch (error) {
      threw = true;
      thrown = error;
      throw error;
    }
    return value;
  };
  try {
    hook.around!(guardedNext);
  } catch (error) {
    if (!(threw && error === thrown)) logHookFailure(definition, 'around', error);
  }
  if (!called) {
    logHookFailure(definition, 'around', new Error('around() returned without calling next()'));
    return next();
  }
  if (threw) throw thrown;
  return value as R;
}
