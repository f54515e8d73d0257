import type { Hook } from '../hooks/hook.js';
import { failOwnHook, isOwnHookAlone, Lifecycle, startOwnHook, succeedOwnHook } from '../hooks/lifecycle.js';
import { collectHooks, type HookDefinition } from '../hooks/registry.js';
import { type CallOptions, Invocation } from '../invocation.js';
import { isAsyncIterable } from '../streaming/is-async-iterable.js';
import { tracedStream } from '../streaming/traced-stream.js';

/** The part of a runnable the lifecycle runner needs; keeps the runner independent of the class. */
export interface Executable {
  readonly kind: string;
  readonly className: string;
  readonly ownHooks: readonly HookDefinition[];
  execute(input: unknown, context: Invocation): unknown;
}

/**
 * Runs one invocation through its hooks: pre → (around → business code) → post | onError →
 * finalize. With no hooks (tracing off, nothing registered) it is a plain call. Never throws:
 * whatever happens, the answer is a promise (`invoke` is documented to always return one).
 */
export function runInvocation(
  runnable: Executable,
  input: unknown,
  flowInput: unknown,
  name: string,
  options?: CallOptions,
): Promise<unknown> {
  let invocation: Invocation;
  let hooks: readonly HookDefinition[];
  try {
    invocation = new Invocation(runnable as never, name, flowInput, options);
    hooks = collectHooks(runnable.ownHooks, invocation);
  } catch (error) {
    return Promise.reject(error);
  }
  if (hooks.length === 0) return runPlain(runnable, input, invocation);
  if (isOwnHookAlone(hooks)) return runWithOwnHook(hooks[0]!, invocation, runnable, input);
  return runWithHooks(hooks, invocation, runnable, input);
}

function runPlain(runnable: Executable, input: unknown, invocation: Invocation): Promise<unknown> {
  try {
    return Promise.resolve(runnable.execute(input, invocation));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The usual traced call: lazytrace's own hook alone. What `runWithHooks` does, with the hook
 * called directly: no `Lifecycle` (made only if the result is a stream), no hook arrays, no
 * chain — most of what a traced call cost beyond the span itself. Same guards: the hook's
 * failures are logged, never the call's.
 */
function runWithOwnHook(
  definition: HookDefinition,
  invocation: Invocation,
  runnable: Executable,
  input: unknown,
): Promise<unknown> {
  const hook = startOwnHook(definition, invocation, input);
  if (hook === undefined) return runPlain(runnable, input, invocation);
  let result: unknown;
  let then: unknown;
  try {
    // lazytrace's own hooks define `around` as a method that calls `next` once, at once.
    result =
      hook.around === undefined
        ? runnable.execute(input, invocation)
        : hook.around(() => runnable.execute(input, invocation));
    then = thenOf(result);
  } catch (error) {
    failOwnHook(definition, hook, error);
    return Promise.reject(error);
  }
  if (typeof then === 'function') {
    return Promise.resolve(result).then(
      (output) => settleOwn(definition, hook, invocation, output),
      (error: unknown) => {
        failOwnHook(definition, hook, error);
        throw error;
      },
    );
  }
  try {
    return Promise.resolve(settleOwn(definition, hook, invocation, result));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** `settle` for `runWithOwnHook` (the own hook's failures are only logged). */
function settleOwn(definition: HookDefinition, hook: Hook, invocation: Invocation, output: unknown): unknown {
  if (isAsyncIterable(output))
    return settle(Lifecycle.ofStartedOwnHook(definition, hook, invocation), output);
  succeedOwnHook(definition, hook, output);
  return output;
}

function runWithHooks(
  hooks: readonly HookDefinition[],
  invocation: Invocation,
  runnable: Executable,
  input: unknown,
): Promise<unknown> {
  const lifecycle = new Lifecycle(hooks, invocation);
  let result: unknown;
  let then: unknown;
  try {
    lifecycle.start(input);
    result = lifecycle.around(() => runnable.execute(input, invocation));
    then = thenOf(result);
  } catch (error) {
    lifecycle.fail(error);
    return Promise.reject(error);
  }
  // Written with `then` rather than `async`/`await`: one promise per call fewer, which is most
  // of the runner's cost when async hooks are on (any AsyncLocalStorage in the process).
  if (typeof then === 'function') {
    return Promise.resolve(result).then(
      (output) => settle(lifecycle, output),
      (error: unknown) => {
        lifecycle.fail(error);
        throw error;
      },
    );
  }
  try {
    return Promise.resolve(settle(lifecycle, result));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The result's `then`, read once, as `Promise.resolve` would: a result whose `then` lookup throws
 * makes the call fail with that error, exactly as it does with tracing off (where
 * `Promise.resolve` rejects).
 */
function thenOf(result: unknown): unknown {
  if (result === null || (typeof result !== 'object' && typeof result !== 'function')) return undefined;
  return (result as { then?: unknown }).then;
}

/**
 * The call produced `output`: a stream keeps the call open until it ends; anything else ends it
 * now. A strict `post` failure throws (the call then rejects with it).
 */
function settle(lifecycle: Lifecycle, output: unknown): unknown {
  if (isAsyncIterable(output)) {
    let stream: unknown;
    try {
      stream = tracedStream(output, lifecycle);
    } catch {
      // Tracing never changes what the call returns: untraced, the stream is still the answer.
      lifecycle.succeed(output);
      return output;
    }
    return stream;
  }
  lifecycle.succeed(output);
  return output;
}
