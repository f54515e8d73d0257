import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { getTraceId } from './context/trace-id.js';
import type { Runnable } from './runnables/runnable.js';

/** Token usage of one LLM or embedding call. */
export interface Usage {
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  /** Defaults to input + output when both are known. */
  readonly totalTokens?: number;
  /** Finer counts, e.g. `{ cachedInputTokens: 120, reasoningTokens: 40 }`. */
  readonly details?: Readonly<Record<string, number>>;
}

/** Which model served the call. A plain string sets the requested model. */
export interface ModelInfo {
  /** The model asked for (`gen_ai.request.model`). */
  readonly request?: string;
  /** The model that answered, when the provider reports it (`gen_ai.response.model`). */
  readonly response?: string;
  /** `openai`, `anthropic`, `aws.bedrock` … (`gen_ai.provider.name`). */
  readonly provider?: string;
}

export type ModelParameterValue = string | number | boolean;

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
  /** Reports the model (LLM and embedding modules). Callable any time before the call ends. */
  setModel(model: string | ModelInfo): void;
  /** Reports token usage; also at the end of a stream. Later calls replace earlier ones. */
  setUsage(usage: Usage): void;
  /** Request parameters such as `temperature`, `max_tokens`, `top_p`. Merged over earlier calls. */
  setModelParameters(parameters: Readonly<Record<string, ModelParameterValue>>): void;
  /** Extra span attributes for this call. Merged over earlier calls. */
  setAttributes(attributes: Attributes): void;
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
  readonly runnable: Runnable<any, any>;
  readonly name: string;
  readonly kind: string;
  readonly className: string;
  readonly input: unknown;
  model: ModelInfo | undefined;
  usage: Usage | undefined;
  modelParameters: Record<string, ModelParameterValue> | undefined;
  attributes: Attributes | undefined;
  stream: StreamState | undefined;

  constructor(runnable: Runnable<any, any>, name: string, flowInput: unknown) {
    this.runnable = runnable;
    this.name = name;
    this.kind = runnable.kind;
    this.className = runnable.className;
    this.input = flowInput;
  }

  get traceId(): string | undefined {
    return getTraceId();
  }

  setModel(model: string | ModelInfo): void {
    if (typeof model === 'string') {
      this.model = { ...this.model, request: model };
      return;
    }
    if (model === null || typeof model !== 'object') {
      throw new TypeError(
        `setModel: "model" must be a string or { request, response, provider }, got ${typeName(model)}`,
      );
    }
    for (const key of ['request', 'response', 'provider'] as const) {
      const value = model[key];
      if (value !== undefined && typeof value !== 'string') {
        throw new TypeError(`setModel: "${key}" must be a string, got ${typeName(value)}`);
      }
    }
    this.model = { ...this.model, ...model };
  }

  setUsage(usage: Usage): void {
    if (usage === null || typeof usage !== 'object') {
      throw new TypeError(`setUsage: "usage" must be an object, got ${typeName(usage)}`);
    }
    for (const key of ['inputTokens', 'outputTokens', 'totalTokens'] as const) {
      checkCount(usage[key], key);
    }
    if (usage.details !== undefined) {
      if (usage.details === null || typeof usage.details !== 'object') {
        throw new TypeError(
          `setUsage: "details" must be an object of numbers, got ${typeName(usage.details)}`,
        );
      }
      for (const [key, value] of Object.entries(usage.details)) checkCount(value, `details.${key}`);
    }
    this.usage = usage;
  }

  setModelParameters(parameters: Readonly<Record<string, ModelParameterValue>>): void {
    if (parameters === null || typeof parameters !== 'object') {
      throw new TypeError(`setModelParameters: "parameters" must be an object, got ${typeName(parameters)}`);
    }
    for (const [key, value] of Object.entries(parameters)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw new TypeError(
          `setModelParameters: "${key}" must be a string, number or boolean, got ${typeName(value)}`,
        );
      }
    }
    this.modelParameters = { ...this.modelParameters, ...parameters };
  }

  setAttributes(attributes: Attributes): void {
    if (attributes === null || typeof attributes !== 'object') {
      throw new TypeError(`setAttributes: "attributes" must be an object, got ${typeName(attributes)}`);
    }
    for (const [key, value] of Object.entries(attributes)) {
      if (!isAttributeValue(value)) {
        throw new TypeError(
          `setAttributes: "${key}" must be a string, number, boolean or an array of one of them, got ${typeName(value)}`,
        );
      }
    }
    this.attributes = { ...this.attributes, ...attributes };
  }
}

function checkCount(value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`setUsage: "${field}" must be a finite number >= 0, got ${typeName(value)}`);
  }
}

function isAttributeValue(value: unknown): value is AttributeValue {
  const t = typeof value;
  if (t === 'string' || t === 'number' || t === 'boolean' || value === undefined) return true;
  if (!Array.isArray(value)) return false;
  return value.every(
    (v) => v === null || v === undefined || ['string', 'number', 'boolean'].includes(typeof v),
  );
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
