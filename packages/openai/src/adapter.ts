import type { CallContext } from '@lazytrace/core';
import type { Attributes } from '@opentelemetry/api';

/** A request body as the SDK receives it (the first argument of a resource method). */
export type Body = Readonly<Record<string, unknown>>;

/**
 * Accumulates a streamed result chunk by chunk. `add` runs once per chunk on the caller's path,
 * so it only does what is needed: copy the few fields that change, append text to bounded lists.
 */
export interface StreamAccumulator {
  /**
   * Takes one chunk. Returns `CONTENT` when it carried generated content (text, a tool-call
   * delta …: the time to first token), `HIDE` when it is the usage chunk lazytrace asked for and
   * the caller must not see, `REPLACE` when the caller must get `replacement` instead of it (the
   * chunk without the field lazytrace's request added), else 0.
   */
  add(chunk: unknown): number;
  /** The chunk to pass on instead, after `add` returned `REPLACE`. */
  readonly replacement?: unknown;
  /** Reports model, usage, finish reasons … and returns the output to record. */
  finish(ctx: CallContext, attributes: Attributes): unknown;
  /**
   * The answer is complete (a Responses stream's final event arrived): a consumer that stops
   * after it (the SDK's `responses.stream()` helper does) did not cancel anything.
   */
  readonly complete?: boolean;
}

export const CONTENT = 1;
export const HIDE = 2;
export const REPLACE = 4;

/** What lazytrace knows about one kind of OpenAI call (chat completions, responses …). */
export interface Adapter {
  /** `gen_ai.operation.name`. */
  readonly operation: string;
  /** `openai.api.type`, where the conventions define one. */
  readonly apiType: string | undefined;
  /** The content recorded as the span's input (messages, the prompt …). */
  input(body: Body): unknown;
  /** Parameters and request attributes, reported when the call starts (the model is common). */
  request(body: Body, ctx: CallContext, attributes: Attributes): void;
  /** Reports a complete (non-streamed) result and returns the output to record. */
  result(value: unknown, ctx: CallContext, attributes: Attributes): unknown;
  /** An accumulator for a streamed result; `hideUsageChunk` when lazytrace asked for usage. */
  stream(hideUsageChunk: boolean): StreamAccumulator;
}

/**
 * What `result` or `finish` returns when the API answered normally but the generation failed (a
 * Responses API `response.failed`): the call ends as an error with this error, without any
 * exception having reached the caller.
 */
export class FailedGeneration {
  constructor(readonly error: Error) {}
}

/** The error of a response whose status is `failed`, named after what the API reported. */
export class ResponseFailedError extends Error {
  override name = 'ResponseFailedError';
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}
