import { Lifecycle } from '../hooks/lifecycle.js';
import { collectHooks, type HookDefinition } from '../hooks/registry.js';
import { Invocation } from '../invocation.js';
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
 * finalize. With no hooks (tracing off, nothing registered) it is a plain call.
 */
export function runInvocation(
  runnable: Executable,
  input: unknown,
  flowInput: unknown,
  name: string,
): Promise<unknown> {
  const invocation = new Invocation(runnable as never, name, flowInput);
  const hooks = collectHooks(runnable.ownHooks, invocation);
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
  try {
    lifecycle.start(input);
    result = lifecycle.around(() => runnable.execute(input, invocation));
  } catch (error) {
    lifecycle.fail(error);
    return Promise.reject(error);
  }
  // Written with `then` rather than `async`/`await`: one promise per call fewer, which is most
  // of the runner's cost when async hooks are on (any AsyncLocalStorage in the process).
  if (isThenable(result)) {
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

/** The call produced `output`: a stream keeps the call open until it ends; anything else ends it now. */
function settle(lifecycle: Lifecycle, output: unknown): unknown {
  if (isAsyncIterable(output)) return tracedStream(output, lifecycle);
  lifecycle.succeed(output);
  return output;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
