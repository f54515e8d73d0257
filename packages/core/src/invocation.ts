import type { Attributes, AttributeValue, Context } from '@opentelemetry/api';
import { getTraceId, traceIdIn } from './context/trace-id.js';
import type { CallTarget } from './hooks/call-target.js';
import type {
  ModelInfo,
  ModelParameterInput,
  ModelParameterValue,
  ProviderUsage,
  Usage,
} from './report-types.js';
import { attributesFrom, modelFrom, parametersFrom, usageFrom } from './report-values.js';
import { GEN_AI_REQUEST_STOP_SEQUENCES } from './tracing/attributes.js';

// Kept importable from here, where they were first declared.
export type {
  ModelInfo,
  ModelParameterInput,
  ModelParameterValue,
  ProviderTokenDetails,
  ProviderUsage,
  Usage,
} from './report-types.js';

/** What business code (a module's `forward`, a pipeline step) receives as its second argument. */
export interface CallContext<FlowInput = unknown> {
  /** The input of the enclosing flow (for a call made outside any flow: the call's own input). */
  readonly input: FlowInput;
  /** Name of the running module or function, as it appears in the trace. */
  readonly name: string;
  readonly kind: string;
  /**
   * The id of the trace this code runs in (32 lowercase hex characters), `undefined` when nothing
   * is traced: for an `x-trace-id` header or `score({ traceId })`. Same as `getTraceId()`.
   */
  readonly traceId: string | undefined;
  /**
   * Whether this call's span is recorded: `false` when tracing is off for the request, the module
   * is switched off, the call is sampled out, or no OpenTelemetry SDK is registered. Code that
   * builds something only for the trace (a large report, extra attributes) can skip it then.
   * Fixed when the call starts.
   */
  readonly recording: boolean;
  /**
   * Aborted when the call should stop: its `timeout` ran out, an enclosing flow's signal was
   * aborted, the caller's `invoke(input, { signal })` was, or (traced calls) the consumer of its
   * stream stopped early. Pass it on (`fetch(url, { signal: ctx.signal })`, an SDK's `signal`
   * option). Every step of a flow gets a signal that follows the flow's.
   */
  readonly signal: AbortSignal;
  /*
   * The report calls below never throw into business code (tracing on or off): `null`/`undefined`
   * mean "not set", numbers become strings where a string is expected, and any other wrong value
   * is dropped with one warning per field naming it.
   */
  /** Reports the model (LLM and embedding modules). Callable any time before the call ends. */
  setModel(model: string | ModelInfo | null | undefined): void;
  /**
   * Reports token usage, in lazytrace's shape or a provider's as it comes (`completion.usage` of
   * OpenAI or Anthropic); also at the end of a stream. Later calls replace earlier ones.
   */
  setUsage(usage: Usage | ProviderUsage | null | undefined): void;
  /**
   * Request parameters such as `temperature`, `max_tokens`, `top_p`, `stop` (a string or a list).
   * Merged over earlier calls.
   */
  setModelParameters(parameters: Readonly<Record<string, ModelParameterInput>> | null | undefined): void;
  /** Extra span attributes for this call. Merged over earlier calls. */
  setAttributes(attributes: Attributes | null | undefined): void;
}

/** What a caller may give one call besides its input. */
export interface InvokeOptions {
  /** Aborting it aborts the call's `ctx.signal` (and every step's below it). */
  readonly signal?: AbortSignal | undefined;
}

/** @internal What a flow gives one child call. */
export interface CallOptions extends InvokeOptions {
  /** Attributes the call starts with (a retry's attempt number). */
  readonly attributes?: Attributes | undefined;
  /**
   * The enclosing call, whose signal this call's follows. Read only when this call's signal is
   * first read, so a flow whose steps never look at `ctx.signal` makes no signal at all.
   */
  readonly parent?: { readonly signal: AbortSignal } | undefined;
}

/** The reason `ctx.signal` is aborted with when the consumer of a stream stops early. */
export class StreamCancelledError extends Error {
  override readonly name = 'AbortError';
  constructor() {
    super('the consumer stopped reading the stream');
  }
}

/** How a streamed result ended, filled in by the stream wrapper. */
export interface StreamState {
  chunks: number;
  /** `performance.now()` at the first chunk. */
  firstChunkAt: number | undefined;
  startedAt: number;
  /** The consumer stopped early (`break`, `return()`). */
  cancelled: boolean;
  /** Nobody pulled from the stream for the idle timeout; the call was closed without it. */
  abandoned: boolean;
}

/**
 * One call of a runnable, as hooks see it. The same object is the `CallContext` handed to the
 * business code, so a call allocates one object for both.
 */
export class Invocation implements CallContext {
  readonly runnable: CallTarget;
  readonly name: string;
  readonly kind: string;
  readonly className: string;
  readonly input: unknown;
  model: ModelInfo | undefined;
  usage: Usage | undefined;
  modelParameters: Record<string, ModelParameterValue> | undefined;
  attributes: Attributes | undefined;
  stream: StreamState | undefined;
  /**
   * @internal The OTel context the call's code runs in (its span, its trace context), set by the
   * tracing hook when the call starts. User hooks' phases run in it too, and `traceId` reads it:
   * a request root's hooks see the root's trace, not the caller's (none).
   */
  callContext: Context | undefined;
  /** Set by the tracing hook when the call's span starts (see `CallContext.recording`). */
  recording = false;
  /** The caller's signal; this call's own is made only when someone reads `signal` or aborts. */
  private readonly outerSignal: AbortSignal | undefined;
  private readonly parent: { readonly signal: AbortSignal } | undefined;
  private controller: AbortController | undefined;
  private ownSignal: AbortSignal | undefined;

  constructor(runnable: CallTarget, name: string, flowInput: unknown, options?: CallOptions) {
    this.runnable = runnable;
    this.name = name;
    this.kind = runnable.kind;
    this.className = runnable.className;
    this.input = flowInput;
    if (options !== undefined) {
      this.outerSignal = options.signal;
      this.parent = options.parent;
      if (options.attributes !== undefined) this.attributes = { ...options.attributes };
    }
  }

  get traceId(): string | undefined {
    const own = this.callContext;
    return own === undefined ? getTraceId() : traceIdIn(own);
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      // Made on first use: most calls never read it.
      const controller = new AbortController();
      this.controller = controller;
      const outer = this.outerSignal;
      const parent = this.parent?.signal;
      if (outer !== undefined) {
        // The caller's signal may live long (a server's shutdown signal): `AbortSignal.any`
        // holds it weakly, so finished calls are not kept alive by it.
        this.ownSignal = AbortSignal.any([outer, controller.signal]);
      } else if (parent !== undefined) {
        // An enclosing call lives at least as long as this one: a plain listener is enough, and
        // about 40 times cheaper than `AbortSignal.any`.
        if (parent.aborted) controller.abort(parent.reason);
        else parent.addEventListener('abort', () => controller.abort(parent.reason), { once: true });
      }
    }
    return this.ownSignal ?? this.controller.signal;
  }

  /** @internal Aborts this call's `signal` (not the caller's); a no-op when nobody has read it. */
  abort(reason: unknown): void {
    if (this.controller !== undefined && !this.controller.signal.aborted) this.controller.abort(reason);
  }

  setModel(model: string | ModelInfo | null | undefined): void {
    this.model = modelFrom(this.model, model);
  }

  setUsage(usage: Usage | ProviderUsage | null | undefined): void {
    const next = usageFrom(usage);
    if (next !== undefined) this.usage = next;
  }

  setModelParameters(parameters: Readonly<Record<string, ModelParameterInput>> | null | undefined): void {
    const report = parametersFrom(this.modelParameters, parameters);
    if (report === undefined) return;
    this.modelParameters = report.parameters;
    // Stop sequences as a list reach the span through the call's attributes.
    if (report.stopSequences !== undefined) {
      this.attributes = { ...this.attributes, [GEN_AI_REQUEST_STOP_SEQUENCES]: report.stopSequences };
    }
  }

  setAttributes(attributes: Attributes | null | undefined): void {
    const next = attributesFrom(this.attributes, attributes);
    if (next !== undefined) this.attributes = next;
  }

  /**
   * @internal A flow's own attribute (branch taken, iterations…): a value known to be valid, so
   * not checked, and not even kept when the call's span is not recorded (tracing off, sampled
   * out): a flow call then allocates nothing for its span.
   */
  setFlowAttribute(key: string, value: AttributeValue): void {
    if (this.recording) this.attributes = { ...this.attributes, [key]: value };
  }
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
