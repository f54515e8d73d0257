import { Lifecycle } from '../hooks/lifecycle.js';
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
  if (hooks.length === 0) {
    try {
      return Promise.resolve(runnable.execute(input, invocation));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  return runWithHooks(hooks, invocation, runnable, input);
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
    // Read once, as `Promise.resolve` would: a result whose `then` lookup throws makes the call
    // fail with that error, exactly as it does with tracing off (where `Promise.resolve` rejects).
    if (result !== null && (typeof result === 'object' || typeof result === 'function')) {
      then = (result as { then?: unknown }).then;
    }
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
