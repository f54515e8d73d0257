import type { CallContext, Invocation } from '../invocation.js';
import { Runnable, type RunnableOptions } from './runnable.js';

/**
 * A unit of an LLM application (an LLM call, a retriever, a tool …). Subclass it and implement
 * `forward`; declare the kind with `override kind = 'llm'` or the constructor option.
 *
 * ```ts
 * class Retriever extends Module<string, Doc[]> {
 *   override kind = 'retriever';
 *   async forward(query: string) { return search(query); }
 * }
 * ```
 * `forward` may return a value, a promise, or an async iterable (a stream).
 */
export abstract class Module<I = unknown, O = unknown> extends Runnable<I, O> {
  constructor(options: RunnableOptions = {}) {
    super(options, 'module');
  }

  abstract forward(input: I, ctx: CallContext): O | Promise<O>;

  /** @internal */
  execute(input: I, context: Invocation): unknown {
    return this.forward(input, context);
  }
}
