import type { HookRegistration } from '../hooks/hook.js';
import { type HookDefinition, sortByPriority, toHookDefinition } from '../hooks/registry.js';
import type { CallContext, CallOptions, Invocation, InvokeOptions } from '../invocation.js';
import type { StreamAggregate } from '../streaming/aggregate.js';
import type { KnownKind } from '../tracing/kinds.js';
import { runInvocation } from './run.js';

/** Kinds lazytrace knows (the kind table, tracing/kinds.ts); any other string is accepted too. */
export type RunnableKind = KnownKind | (string & {});

export interface RunnableOptions {
  /** Name in the trace. Default: the record key inside a flow, else the class or function name. */
  readonly name?: string | undefined;
  readonly kind?: RunnableKind | undefined;
  /**
   * How a streamed result is recorded: `aggregate(chunks) => output`, called once when the stream
   * ends with its chunks. Default: strings concatenated; OpenAI chat chunks, OpenAI Responses
   * events and Anthropic message events as their text (and tool calls); anything else as the list
   * of chunks, cut at the capture budget.
   */
  readonly aggregate?: StreamAggregate | undefined;
}

/**
 * Anything that runs through the lifecycle: a `Module`, a flow, a wrapped function. `invoke`
 * always returns a promise; when the business code produced an async iterable (a token stream)
 * the promise resolves to an async iterable yielding the same chunks.
 */
export abstract class Runnable<I = unknown, O = unknown> {
  kind: RunnableKind;
  /** How a streamed result is recorded (see `RunnableOptions.aggregate`). */
  readonly aggregate: StreamAggregate | undefined;
  private explicitName: string | undefined;
  private hooks: readonly HookDefinition[] = [];

  constructor(options: RunnableOptions = {}, defaultKind: RunnableKind = 'module') {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`options must be an object, got ${options === null ? 'null' : typeof options}`);
    }
    if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
      throw new TypeError(`"name" must be a non-empty string, got ${JSON.stringify(options.name)}`);
    }
    if (options.kind !== undefined && (typeof options.kind !== 'string' || options.kind === '')) {
      throw new TypeError(`"kind" must be a non-empty string, got ${JSON.stringify(options.kind)}`);
    }
    if (options.aggregate !== undefined && typeof options.aggregate !== 'function') {
      throw new TypeError(`"aggregate" must be a function, got ${typeof options.aggregate}`);
    }
    this.aggregate = options.aggregate;
    this.explicitName = options.name;
    this.kind = options.kind ?? defaultKind;
  }

  get name(): string {
    return this.explicitName ?? this.defaultName();
  }

  set name(value: string) {
    if (typeof value !== 'string' || value === '') {
      throw new TypeError(`"name" must be a non-empty string, got ${JSON.stringify(value)}`);
    }
    this.explicitName = value;
  }

  /** Whether `name` was given explicitly (then a flow's record key does not rename it). */
  get hasExplicitName(): boolean {
    return this.explicitName !== undefined;
  }

  /** The class (or flow type) shown as `lazytrace.class`. */
  get className(): string {
    return this.constructor.name || 'Runnable';
  }

  protected defaultName(): string {
    return this.className;
  }

  /** Runs the call. `options.signal` aborts its `ctx.signal` (and every step's below it). */
  invoke(input: I, options?: InvokeOptions): Promise<O> {
    let name: string;
    try {
      name = this.name;
    } catch (error) {
      // A subclass's name or className getter failed: still a promise, never a synchronous throw.
      return Promise.reject(error);
    }
    return runInvocation(
      this,
      input,
      input,
      name,
      options?.signal === undefined ? undefined : { signal: options.signal },
    ) as Promise<O>;
  }

  /**
   * Adds a hook to every invocation of this runnable. Registering the same hook again is a no-op.
   * Returns `this` for chaining.
   */
  registerHook(hook: HookRegistration): this {
    const definition = toHookDefinition(hook);
    if (!this.hooks.includes(definition)) this.hooks = sortByPriority([...this.hooks, definition]);
    return this;
  }

  /** @internal Hooks registered on this runnable, sorted by priority. */
  get ownHooks(): readonly HookDefinition[] {
    return this.hooks;
  }

  /**
   * @internal How flows call their children: with the flow's input as `ctx.input` and the
   * child's name in this flow (a record key).
   */
  run(input: unknown, flowInput: unknown, name: string, options?: CallOptions): Promise<unknown> {
    return runInvocation(this, input, flowInput, name, options);
  }

  /** @internal The business code of this runnable. */
  abstract execute(input: I, context: Invocation & CallContext<any>): unknown;
}
