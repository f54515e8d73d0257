import { attributes as A, type CallContext } from '@lazytrace/core';
import type { Attributes } from '@opentelemetry/api';
import {
  type Adapter,
  type Body,
  CONTENT,
  FailedGeneration,
  HIDE,
  REPLACE,
  type StreamAccumulator,
} from './adapter.js';
import * as O from './attributes.js';
import { errorAttributes, recordedError } from './errors.js';
import { type IdleWatched, unwatchIdle, watchIdle } from './idle-watch.js';
import { reportAttributes, reportModel } from './report.js';

/** How a call ended without an error. */
type Ending = 'done' | 'cancelled' | 'abandoned' | 'raw';

/**
 * One OpenAI request as lazytrace follows it, from the call to the moment it is over for the
 * caller: the parsed result, an error, the end of its stream (completion, `break`, an abort, an
 * error mid-stream), the raw `Response` taken instead, or nobody reading for the idle timeout.
 * It ends exactly once (`ended`), whichever comes first, and reports to `ctx`: its own span's
 * context, or the context of the lazytrace `llm` module that made the call (then `own` is false
 * and there is no span of its own to end).
 */
export class Generation implements IdleWatched {
  private ended = false;
  private readonly attributes: Attributes = {};
  private resolve: ((output: unknown) => void) | undefined;
  private reject: ((error: unknown) => void) | undefined;
  /** Settles when the call is over: what core's lifecycle waits for to end the span. */
  readonly completion: Promise<unknown> | undefined;
  readonly startedAt = performance.now();

  /** Set when the SDK started parsing the body: the caller asked for the result. */
  parseStarted = false;
  private resultSeen = false;
  /** Set when the caller asked for the raw `Response` (`.asResponse()`). */
  rawRequested = false;
  /** The `runTools` run this request belongs to, told about a failure (its parent span's error). */
  run: { error?: unknown } | undefined;

  // Stream state: chunks seen, first content chunk, pulls for the idle rule.
  private streamed = false;
  private chunks = 0;
  private firstTokenAt: number | undefined;
  private firstChunkAt: number | undefined;
  private accumulator: StreamAccumulator | undefined;
  private controller: AbortController | undefined;
  pulls = 0;
  pending = 0;
  private pullsAtLastCheck = -1;
  private idleWatched = false;

  constructor(
    readonly ctx: CallContext,
    readonly adapter: Adapter,
    body: Body,
    own: boolean,
    /** lazytrace asked for the usage chunk of a chat stream: the caller must not see it. */
    readonly hideUsageChunk: boolean,
    /**
     * The span records. When it does not (sampled out, tracing off), nothing is built or
     * reported: the call is only followed, to end it exactly once when it is over.
     */
    readonly recording: boolean,
    /** `gen_ai.provider.name`. */
    provider: string,
    /** Attributes every call of this client starts with (server address and port …). */
    initial: Attributes,
  ) {
    if (own) {
      this.completion = new Promise<unknown>((resolve, reject) => {
        this.resolve = resolve;
        this.reject = reject;
      });
    }
    if (!recording) return;
    const attrs = this.attributes;
    attrs[A.GEN_AI_OPERATION_NAME] = adapter.operation;
    if (adapter.apiType !== undefined) attrs[O.OPENAI_API_TYPE] = adapter.apiType;
    for (const key in initial) attrs[key] = initial[key];
    // One model report for the request model and the provider (each report is validated by core).
    reportModel(ctx, { request: body.model as string | undefined, provider });
    try {
      adapter.request(body, ctx, attrs);
    } catch {
      // An unexpected body shape only costs the request details, never the call.
    }
  }

  /**
   * The response headers arrived (the request succeeded at the HTTP level). `parseRequested`: the
   * caller already asked for the parsed result (`await`, `.withResponse()`, a helper), whose
   * parsing starts right after this, in the same turn.
   */
  responded(response: Response | undefined, parseRequested: boolean): void {
    if (this.ended) return;
    try {
      if (response !== undefined && this.recording) {
        this.attributes[O.HTTP_RESPONSE_STATUS_CODE] = response.status;
        const requestId = response.headers?.get?.('x-request-id');
        if (typeof requestId === 'string' && requestId !== '')
          this.attributes[O.OPENAI_REQUEST_ID] = requestId;
      }
    } catch {
      // A response-like object of an unusual transport: the status is all it costs.
    }
    if (this.parseStarted || parseRequested) return;
    if (this.rawRequested) {
      this.end('raw', undefined);
      return;
    }
    // Nobody has asked yet (a promise awaited later, or never): the idle rule applies.
    this.armIdle();
  }

  /** The SDK parsed the body: a complete result, or a `Stream` to follow. Returns it unchanged. */
  parsed(value: unknown, isStream: boolean): unknown {
    // A result reaches here once per parse path (`then`, a derived `_thenUnwrap`): the first one counts.
    if (this.ended || this.resultSeen) return value;
    this.resultSeen = true;
    try {
      if (isStream && observeStream(value, this)) return value;
      if (!this.recording) {
        this.end('done', undefined);
        return value;
      }
      const output = this.adapter.result(value, this.ctx, this.attributes);
      if (output instanceof FailedGeneration) this.fail(output.error);
      else this.end('done', output);
    } catch {
      this.end('done', undefined);
    }
    return value;
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.disarmIdle();
    if (!this.recording) {
      if (this.run !== undefined) this.run.error = error;
      this.reject?.(error);
      return;
    }
    try {
      Object.assign(this.attributes, errorAttributes(error));
      // Reporting to an enclosing module, which may well recover (retry, fall back): whether it
      // failed is the module's to say, so no `error.type` on its span from here.
      if (this.completion === undefined) delete this.attributes[A.ATTR_ERROR_TYPE];
      if (this.streamed) this.streamAttributes();
      // What arrived before the error is reported (model, partial usage); the output is the error's.
      this.flushStream();
    } catch {
      // Recording details never stands in the way of ending the call.
    }
    reportAttributes(this.ctx, this.attributes);
    // The span (and a `runTools` parent's) records the error with key-looking tokens redacted;
    // the caller still gets the SDK's error, untouched, from the SDK.
    const recorded = recordedError(error);
    if (this.run !== undefined) this.run.error = recorded;
    this.reject?.(recorded);
  }

  /** @internal Stream start: called by `observeStream` once the iterator is patched. */
  startStream(accumulator: StreamAccumulator, controller: AbortController | undefined): void {
    this.streamed = true;
    this.accumulator = accumulator;
    this.controller = controller;
    this.armIdle();
  }

  /**
   * One chunk pulled by the caller. Returns what the caller gets: the chunk itself, another
   * object standing for it, or `HIDDEN` when the caller must not see it.
   */
  chunk(value: unknown): unknown {
    if (this.ended || !this.recording) return value;
    let flags = 0;
    let passed = value;
    try {
      flags = this.accumulator!.add(value);
      if (flags & REPLACE) passed = this.accumulator!.replacement;
    } catch {
      return value;
    }
    if (flags & HIDE) return HIDDEN;
    this.chunks++;
    if (this.firstTokenAt === undefined && (flags & CONTENT || this.chunks === 1)) {
      // The first chunk stands in until one with content arrives (a role-only chunk comes first).
      if (flags & CONTENT) this.firstTokenAt = performance.now();
      else this.firstChunkAt ??= performance.now();
    }
    return passed;
  }

  /** The stream ended for the caller: completion (or an abort, which the SDK ends silently). */
  streamDone(): void {
    const aborted = this.controller?.signal.aborted === true && this.accumulator?.complete !== true;
    this.end(aborted ? 'cancelled' : 'done', undefined);
  }

  /** The caller stopped early (`break`, `return()`, a cancelled `ReadableStream`). */
  streamCancelled(): void {
    this.end(this.accumulator?.complete === true ? 'done' : 'cancelled', undefined);
  }

  end(ending: Ending, output: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.disarmIdle();
    if (!this.recording) {
      this.resolve?.(undefined);
      return;
    }
    let recorded = output;
    try {
      const attrs = this.attributes;
      if (this.streamed) {
        this.streamAttributes();
        recorded = this.flushStream();
        if (recorded instanceof FailedGeneration) {
          // The stream ended normally for the caller, with a response the API marked failed.
          this.ended = false;
          this.accumulator = undefined;
          this.streamed = false;
          this.fail(recorded.error);
          return;
        }
      }
      if (ending === 'cancelled') attrs[A.ATTR_STREAM_CANCELLED] = true;
      else if (ending === 'abandoned') attrs[A.ATTR_STREAM_ABANDONED] = true;
      else if (ending === 'raw') attrs[O.OPENAI_RAW_RESPONSE] = true;
    } catch {
      // As in fail(): details never stand in the way of ending.
    }
    reportAttributes(this.ctx, this.attributes);
    this.resolve?.(recorded);
  }

  private streamAttributes(): void {
    const attrs = this.attributes;
    attrs[A.ATTR_STREAM] = true;
    attrs[A.ATTR_STREAM_CHUNKS] = this.chunks;
    const first = this.firstTokenAt ?? this.firstChunkAt;
    if (first !== undefined) {
      const ms = first - this.startedAt;
      attrs[A.ATTR_STREAM_TIME_TO_FIRST_CHUNK_MS] = ms;
      attrs[A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = ms / 1000;
    }
  }

  private flushStream(): unknown {
    const accumulator = this.accumulator;
    if (accumulator === undefined) return undefined;
    this.accumulator = undefined;
    return accumulator.finish(this.ctx, this.attributes);
  }

  /**
   * The idle rule of core's streams, for a result nobody reads: while the response has arrived
   * but nobody asked for it, or while a stream is not pulled from, the call is checked about every
   * `streamIdleTimeoutMs` (one timer shared by all calls, see `idle-watch.ts`); no pull since the
   * last check and none in flight ends the call as abandoned.
   */
  private armIdle(): void {
    if (this.idleWatched || this.ended) return;
    this.idleWatched = true;
    // A fresh watch starts unjudged: its first tick only records the pulls, so the call is ended
    // after a full period without one, even when an earlier watch (the response waiting to be
    // asked for) already saw the same count.
    this.pullsAtLastCheck = -1;
    watchIdle(this);
  }

  private disarmIdle(): void {
    if (!this.idleWatched) return;
    this.idleWatched = false;
    unwatchIdle(this);
  }

  /** Parsing started: a non-streamed call waits for the body without the idle rule. */
  parsing(): void {
    this.parseStarted = true;
    if (!this.streamed) this.disarmIdle();
  }

  /** @internal Called by the shared idle timer while this call is watched. */
  checkIdle(): void {
    if (this.ended || (!this.streamed && this.parseStarted)) {
      this.disarmIdle();
      return;
    }
    if (this.pending > 0 || this.pulls !== this.pullsAtLastCheck) {
      this.pullsAtLastCheck = this.pulls;
      return;
    }
    this.end('abandoned', undefined);
  }
}

/** What `Generation.chunk` returns for a chunk the caller must not see. */
const HIDDEN: unique symbol = Symbol('hidden chunk');

/** The stream of a call whose span does not record: chunks are counted for the idle rule only. */
const UNRECORDED_STREAM: StreamAccumulator = { add: () => 0, finish: () => undefined };

/**
 * Follows a `Stream` without replacing it: the SDK's `Stream` builds every iteration — `for
 * await`, `tee()`, `toReadableStream()`, helpers — from its `iterator` factory, so wrapping that
 * one property (as the SDK's own `__betaTransformIterator` does) sees every chunk while the
 * caller keeps the very same object, with `controller`, `tee()` and everything else intact.
 * Returns false when the value is not such a stream (then the call is recorded as complete).
 */
function observeStream(value: unknown, generation: Generation): boolean {
  if (value === null || typeof value !== 'object') return false;
  const stream = value as { iterator?: unknown; controller?: AbortController };
  const factory = stream.iterator;
  if (typeof factory !== 'function') return false;
  let first = true;
  stream.iterator = function observedIterator(this: unknown, ...args: unknown[]) {
    const iterator = (factory as (...a: unknown[]) => AsyncIterator<unknown>).apply(this, args);
    // Only the first iteration reads the response; a second one is the SDK's "already consumed"
    // error, passed through untouched.
    if (!first) return iterator;
    first = false;
    return new ObservedIterator(iterator, generation);
  };
  generation.startStream(
    generation.recording ? generation.adapter.stream(generation.hideUsageChunk) : UNRECORDED_STREAM,
    stream.controller,
  );
  return true;
}

/**
 * The iterator the caller's iteration pulls from: each pull goes to the SDK's iterator and its
 * result comes back unchanged (one `then` per chunk), except the usage chunk lazytrace asked for,
 * which is consumed here and replaced by the next pull.
 */
class ObservedIterator implements AsyncIterator<unknown> {
  constructor(
    private readonly inner: AsyncIterator<unknown>,
    private readonly generation: Generation,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(...args: [] | [unknown]): Promise<IteratorResult<unknown>> {
    const generation = this.generation;
    generation.pulls++;
    generation.pending++;
    let step: Promise<IteratorResult<unknown>>;
    try {
      step = this.inner.next(...args);
    } catch (error) {
      generation.pending--;
      generation.fail(error);
      throw error;
    }
    return step.then(this.onResult, this.onError);
  }

  private readonly onResult = (
    result: IteratorResult<unknown>,
  ): IteratorResult<unknown> | Promise<IteratorResult<unknown>> => {
    const generation = this.generation;
    generation.pending--;
    if (result.done) {
      generation.streamDone();
      return result;
    }
    const value = result.value;
    const passed = generation.chunk(value);
    if (passed === HIDDEN) return this.next();
    // Async generators make a fresh result object per step: it is ours to change.
    if (passed !== value) result.value = passed;
    return result;
  };

  private readonly onError = (error: unknown): never => {
    this.generation.pending--;
    this.generation.fail(error);
    throw error;
  };

  return(value?: unknown): Promise<IteratorResult<unknown>> {
    const inner = this.inner;
    if (typeof inner.return !== 'function') {
      this.generation.streamCancelled();
      return Promise.resolve({ done: true, value });
    }
    let step: Promise<IteratorResult<unknown>>;
    try {
      step = inner.return(value);
    } catch (error) {
      this.generation.fail(error);
      throw error;
    }
    return Promise.resolve(step).then(
      (result) => {
        this.generation.streamCancelled();
        return result;
      },
      (error: unknown) => {
        this.generation.fail(error);
        throw error;
      },
    );
  }

  throw(error?: unknown): Promise<IteratorResult<unknown>> {
    const inner = this.inner;
    if (typeof inner.throw !== 'function') {
      this.generation.fail(error);
      return Promise.reject(error);
    }
    return Promise.resolve(inner.throw(error)).then(
      (result) => {
        if (result.done) this.generation.streamDone();
        return result;
      },
      (thrown: unknown) => {
        this.generation.fail(thrown);
        throw thrown;
      },
    );
  }
}
