import { type CallContext, Module, type RunnableKind } from '@lazytrace/core';
import { markOwnRunnable } from './enclosing-module.js';

/**
 * The work one traced call does inside its span: given the span's call context, it makes the
 * SDK call and returns a promise that settles when the call is over for the caller.
 */
export type SpanBody = (ctx: CallContext) => unknown;

/**
 * The call being started. `invoke` runs `forward` synchronously (core's runner calls the
 * business code in the same turn, inside the span's context), so the body is handed over through
 * this slot rather than as the input, which is what core captures as the span's input.
 */
let handOver: SpanBody | undefined;

/**
 * An OpenAI operation as a lazytrace runnable: core's lifecycle gives it its span (kind `llm` or
 * `embedding`, or `agent` for `runTools`), with the trace context, per-module switches, capture
 * budget, redaction and mask applied as for any module. One per client, operation and name.
 */
export class OpenAIOperation extends Module<unknown, unknown> {
  constructor(name: string, kind: RunnableKind) {
    super({ name, kind });
    markOwnRunnable(this);
  }

  override get className(): string {
    return 'OpenAI';
  }

  forward(_input: unknown, ctx: CallContext): unknown {
    const body = handOver;
    handOver = undefined;
    return body === undefined ? undefined : body(ctx);
  }

  /**
   * Runs `body` inside this operation's span, `input` being the content recorded for it. Returns
   * the lifecycle's promise, or undefined when `body` did not run synchronously (then the caller
   * must make the call itself).
   */
  start(input: unknown, body: SpanBody): Promise<unknown> | undefined {
    // The body itself is handed over (no closure per call): whether it ran, the caller knows
    // from its own body having been called.
    handOver = body;
    try {
      return this.invoke(input);
    } finally {
      handOver = undefined;
    }
  }
}
