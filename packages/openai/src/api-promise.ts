import type { Generation } from './generation.js';

/** The parts of the SDK's `APIPromise` lazytrace relies on (stable since openai v4). */
interface ObservableApiPromise {
  parseResponse: (client: unknown, props: ResponseProps) => unknown;
  asResponse: () => Promise<Response>;
  responsePromise: Promise<unknown>;
}

interface ResponseProps {
  readonly options?: { readonly stream?: unknown };
}

function isObservableApiPromise(value: unknown): value is ObservableApiPromise {
  if (value === null || typeof value !== 'object') return false;
  const p = value as Partial<ObservableApiPromise>;
  return (
    typeof p.parseResponse === 'function' && typeof p.asResponse === 'function' && 'responsePromise' in p
  );
}

/**
 * Follows what a resource method returned, leaving it the object the caller gets.
 *
 * For the SDK's `APIPromise` (the usual case), nothing is awaited on the caller's behalf: awaiting
 * it would parse the body, and a caller who wants the raw `Response` (`.asResponse()`) must still
 * get an unread body. Instead:
 * - its `parseResponse` (the function the SDK calls once the caller asks for the result, through
 *   `then`, `withResponse()` or a helper's `_thenUnwrap`) is replaced on this instance by one that
 *   calls the original and sees its result: a complete value, or the `Stream` to follow;
 * - the response promise is observed (one reaction, no body read): request errors end the call,
 *   and a response nobody parses is handled by the idle rule;
 * - `asResponse` on this instance notes that the caller took the raw response.
 * Anything else that is a promise is observed with `then`; any other value ends the call.
 */
export function observeResult(result: unknown, generation: Generation): void {
  if (isObservableApiPromise(result)) {
    observeApiPromise(result, generation);
    return;
  }
  if (result !== null && (typeof result === 'object' || typeof result === 'function')) {
    const then = (result as PromiseLike<unknown>).then;
    if (typeof then === 'function') {
      then.call(
        result,
        (value: unknown) => generation.parsed(value, isStreamLike(value)),
        (error: unknown) => generation.fail(error),
      );
      return;
    }
  }
  generation.parsed(result, false);
}

function observeApiPromise(promise: ObservableApiPromise, generation: Generation): void {
  const parseResponse = promise.parseResponse;
  promise.parseResponse = function observedParseResponse(
    this: unknown,
    client: unknown,
    props: ResponseProps,
  ) {
    generation.parsing();
    let parsed: unknown;
    try {
      parsed = parseResponse.call(this, client, props);
    } catch (error) {
      generation.fail(error);
      throw error;
    }
    const isStream = props?.options?.stream === true;
    return Promise.resolve(parsed).then(
      (value) => generation.parsed(value, isStream || isStreamLike(value)),
      (error: unknown) => {
        generation.fail(error);
        throw error;
      },
    );
  };

  // Derived promises (`parse()`, the stream helpers) come from `_thenUnwrap`, which in the SDK's
  // client-made promises parses through a closure rather than `parseResponse`: their transform
  // is given the parsed value first.
  const derived = { value: false };
  const thenUnwrap = (promise as { _thenUnwrap?: unknown })._thenUnwrap;
  if (typeof thenUnwrap === 'function') {
    Object.defineProperty(promise, '_thenUnwrap', {
      configurable: true,
      writable: true,
      enumerable: false,
      value: function observedThenUnwrap(
        this: unknown,
        transform: (value: unknown, props: ResponseProps) => unknown,
      ) {
        derived.value = true;
        return thenUnwrap.call(this, (value: unknown, props: ResponseProps) =>
          transform(generation.parsed(value, props?.options?.stream === true || isStreamLike(value)), props),
        );
      },
    });
  }

  const asResponse = promise.asResponse;
  Object.defineProperty(promise, 'asResponse', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function observedAsResponse(this: unknown) {
      generation.rawRequested = true;
      return asResponse.call(this);
    },
  });

  // The response promise itself (what `asResponse` reads, no body read), observed with one
  // reaction. It is registered now, before the caller's own `await` registers the parse, so when
  // it runs the caller has asked for the result (`parsedPromise`, a derived promise) but parsing
  // has not started yet.
  Promise.resolve(promise.responsePromise).then(
    (props) => generation.responded(responseOf(props), callerParses(promise, derived)),
    (error: unknown) => {
      generation.fail(error);
      // Observing the request marked its failure as handled. If the caller never asked for the
      // result in any way, the SDK alone would have left an unhandled rejection: leave the same
      // one (same error), so an application's unhandled-rejection policy sees what it would see.
      if (!callerParses(promise, derived) && !generation.rawRequested) void Promise.reject(error);
    },
  );
}

/** The SDK resolves its response promise with `{ response, options, controller, … }`. */
function responseOf(props: unknown): Response | undefined {
  if (props === null || typeof props !== 'object') return undefined;
  const response = (props as { response?: unknown }).response;
  return response !== null && typeof response === 'object' ? (response as Response) : undefined;
}

function isStreamLike(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { iterator?: unknown }).iterator === 'function' &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

/** Whether the caller asked for the parsed result: `then`/`parse()`, or a derived promise. */
function callerParses(promise: ObservableApiPromise, derived: { value: boolean }): boolean {
  return (promise as { parsedPromise?: unknown }).parsedPromise !== undefined || derived.value;
}
