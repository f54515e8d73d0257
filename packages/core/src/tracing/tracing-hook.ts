import {
  type Attributes,
  type Context,
  context,
  createContextKey,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { captureContent } from '../capture/capture.js';
import { getTraceContext } from '../context/trace-context.js';
import type { Hook } from '../hooks/hook.js';
import type { Invocation, ModelParameterValue } from '../invocation.js';
import { errorMessage } from '../logger.js';
import * as A from './attributes.js';
import { getLazytraceTracer } from './tracer.js';

/**
 * Carries the request's trace name down the context, and marks that a lazytrace span is already
 * open above: the first lazytrace span without it is the request's root. Set once per request
 * (by the root); children inherit it with the context.
 */
const TRACE_NAME_KEY = createContextKey('lazytrace.trace.name');

/** `gen_ai.operation.name` set for a kind from the start of its span. */
const OPERATION_BY_KIND: Readonly<Record<string, string>> = {
  llm: A.GEN_AI_OPERATION_CHAT,
  embedding: A.GEN_AI_OPERATION_EMBEDDINGS,
  tool: A.GEN_AI_OPERATION_EXECUTE_TOOL,
  agent: A.GEN_AI_OPERATION_INVOKE_AGENT,
  retriever: A.GEN_AI_OPERATION_RETRIEVAL,
};

/** Model parameters with a GenAI attribute of their own, by the spellings users write. */
const PARAMETER_ATTRIBUTES: Readonly<Record<string, string>> = {
  temperature: A.GEN_AI_REQUEST_TEMPERATURE,
  max_tokens: A.GEN_AI_REQUEST_MAX_TOKENS,
  maxTokens: A.GEN_AI_REQUEST_MAX_TOKENS,
  top_p: A.GEN_AI_REQUEST_TOP_P,
  topP: A.GEN_AI_REQUEST_TOP_P,
  top_k: A.GEN_AI_REQUEST_TOP_K,
  topK: A.GEN_AI_REQUEST_TOP_K,
  frequency_penalty: A.GEN_AI_REQUEST_FREQUENCY_PENALTY,
  frequencyPenalty: A.GEN_AI_REQUEST_FREQUENCY_PENALTY,
  presence_penalty: A.GEN_AI_REQUEST_PRESENCE_PENALTY,
  presencePenalty: A.GEN_AI_REQUEST_PRESENCE_PENALTY,
  seed: A.GEN_AI_REQUEST_SEED,
};

/** Usage details with a GenAI attribute of their own. */
const USAGE_DETAIL_ATTRIBUTES: Readonly<Record<string, string>> = {
  cacheReadInputTokens: A.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  cacheCreationInputTokens: A.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  reasoningOutputTokens: A.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
};

const DOCUMENT_KINDS = new Set(['retriever', 'reranker']);

/**
 * Turns one invocation into one span. Created per invocation by the tracing hook provider. The
 * span starts in `pre` with every attribute known then (so samplers see them), is the active span
 * while the business code runs (`around`), and ends in `finalize`.
 */
export class TracingHook implements Hook {
  private span: Span | undefined;
  private spanContext: Context | undefined;

  constructor(
    private readonly invocation: Invocation,
    private readonly capture: boolean,
  ) {}

  pre(input: unknown): void {
    const inv = this.invocation;
    const parent = context.active();
    const inheritedTraceName = parent.getValue(TRACE_NAME_KEY) as string | undefined;
    const traceContext = getTraceContext();
    const isRoot = inheritedTraceName === undefined;
    const traceName = traceContext.traceName ?? inheritedTraceName ?? inv.name;

    const attributes: Attributes = {
      [A.ATTR_KIND]: inv.kind,
      [A.ATTR_NAME]: inv.name,
      [A.ATTR_CLASS]: inv.className,
      [A.ATTR_TRACE_NAME]: traceName,
    };
    if (isRoot) attributes[A.ATTR_ROOT] = true;
    if (traceContext.sessionId !== undefined) attributes[A.ATTR_SESSION_ID] = traceContext.sessionId;
    if (traceContext.userId !== undefined) attributes[A.ATTR_USER_ID] = traceContext.userId;
    if (traceContext.tags.length > 0) attributes[A.ATTR_TAGS] = traceContext.tags as string[];
    if (traceContext.sampled === true) attributes[A.ATTR_SAMPLED] = true;
    for (const key in traceContext.metadata) {
      attributes[A.ATTR_METADATA_PREFIX + key] = traceContext.metadata[key];
    }
    const operation = OPERATION_BY_KIND[inv.kind];
    if (operation !== undefined) attributes[A.GEN_AI_OPERATION_NAME] = operation;
    if (inv.kind === 'tool') attributes[A.GEN_AI_TOOL_NAME] = inv.name;

    const span = getLazytraceTracer().startSpan(inv.name, { kind: SpanKind.INTERNAL, attributes }, parent);
    this.span = span;
    const active = trace.setSpan(parent, span);
    this.spanContext = isRoot ? active.setValue(TRACE_NAME_KEY, traceName) : active;

    // Content is serialized only for spans that are recorded (not sampled out, SDK present).
    if (this.capture && span.isRecording()) {
      const captured = captureContent(input, inv.name, 'input');
      span.setAttribute(A.ATTR_INPUT, captured);
      if (inv.kind === 'retriever' && typeof input === 'string') queryText(span, captured);
    }
  }

  around<R>(next: () => R): R {
    return this.spanContext === undefined ? next() : context.with(this.spanContext, next);
  }

  post(output: unknown): void {
    const span = this.span;
    if (span === undefined || !span.isRecording()) return;
    if (this.capture)
      span.setAttribute(A.ATTR_OUTPUT, captureContent(output, this.invocation.name, 'output'));
    if (DOCUMENT_KINDS.has(this.invocation.kind) && Array.isArray(output)) {
      span.setAttribute(A.ATTR_DOCUMENT_COUNT, output.length);
    }
  }

  onError(error: unknown): void {
    const span = this.span;
    if (span === undefined) return;
    const message = errorMessage(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    span.setAttribute(A.ATTR_ERROR_TYPE, errorType(error));
    span.recordException(error instanceof Error ? error : { name: errorType(error), message });
  }

  finalize(): void {
    const span = this.span;
    if (span === undefined) return;
    try {
      if (span.isRecording()) this.recordReport(span);
    } finally {
      span.end();
    }
  }

  /** What the business code reported through its context, and how its stream ended. */
  private recordReport(span: Span): void {
    const inv = this.invocation;
    const { model, usage, modelParameters, stream } = inv;
    if (model !== undefined) {
      if (model.request !== undefined) span.setAttribute(A.GEN_AI_REQUEST_MODEL, model.request);
      if (model.response !== undefined) span.setAttribute(A.GEN_AI_RESPONSE_MODEL, model.response);
      if (model.provider !== undefined) span.setAttribute(A.GEN_AI_PROVIDER_NAME, model.provider);
    }
    if (usage !== undefined) {
      if (usage.inputTokens !== undefined) span.setAttribute(A.GEN_AI_USAGE_INPUT_TOKENS, usage.inputTokens);
      if (usage.outputTokens !== undefined)
        span.setAttribute(A.GEN_AI_USAGE_OUTPUT_TOKENS, usage.outputTokens);
      const total =
        usage.totalTokens ??
        (usage.inputTokens !== undefined && usage.outputTokens !== undefined
          ? usage.inputTokens + usage.outputTokens
          : undefined);
      if (total !== undefined) span.setAttribute(A.ATTR_USAGE_TOTAL_TOKENS, total);
      if (usage.details !== undefined) {
        span.setAttribute(A.ATTR_USAGE_DETAILS, JSON.stringify(usage.details));
        for (const [key, attribute] of Object.entries(USAGE_DETAIL_ATTRIBUTES)) {
          const value = usage.details[key];
          if (value !== undefined) span.setAttribute(attribute, value);
        }
      }
    }
    if (modelParameters !== undefined) this.recordParameters(span, modelParameters);
    if (stream !== undefined) {
      span.setAttribute(A.ATTR_STREAM, true);
      span.setAttribute(A.ATTR_STREAM_CHUNKS, stream.chunks);
      if (stream.firstChunkAt !== undefined) {
        const ms = stream.firstChunkAt - stream.startedAt;
        span.setAttribute(A.ATTR_STREAM_TIME_TO_FIRST_CHUNK_MS, ms);
        if (inv.kind === 'llm') span.setAttribute(A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, ms / 1000);
      }
      if (stream.cancelled) span.setAttribute(A.ATTR_STREAM_CANCELLED, true);
      if (stream.abandoned) span.setAttribute(A.ATTR_STREAM_ABANDONED, true);
    }
    if (inv.attributes !== undefined) span.setAttributes(inv.attributes);
  }

  private recordParameters(span: Span, parameters: Readonly<Record<string, ModelParameterValue>>): void {
    span.setAttribute(A.ATTR_MODEL_PARAMETERS, JSON.stringify(parameters));
    for (const [key, value] of Object.entries(parameters)) {
      const attribute = PARAMETER_ATTRIBUTES[key];
      if (attribute !== undefined) span.setAttribute(attribute, value);
    }
    const stop = parameters.stop;
    if (typeof stop === 'string') span.setAttribute(A.GEN_AI_REQUEST_STOP_SEQUENCES, [stop]);
  }
}

function errorType(error: unknown): string {
  try {
    if (error instanceof Error) return error.name || error.constructor?.name || 'Error';
    if (error !== null && typeof error === 'object') return (error as object).constructor?.name ?? 'object';
    return typeof error;
  } catch {
    return 'unknown';
  }
}

/** A retriever's query as text: the captured (masked, budgeted) JSON string, decoded. */
function queryText(span: Span, captured: string): void {
  try {
    const text: unknown = JSON.parse(captured);
    if (typeof text === 'string') span.setAttribute(A.GEN_AI_RETRIEVAL_QUERY_TEXT, text);
  } catch {
    // A mask may turn the query into anything; then there is no query text to show.
  }
}
