import {
  type Attributes,
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
} from '@opentelemetry/api';
import { captureContent } from '../capture/capture.js';
import { captureError } from '../capture/error.js';
import { CallNode } from '../context/call-node.js';
import { callOtelContext } from '../context/call-otel-context.js';
import { keepCallerScope } from '../context/trace-context.js';
import type { ResolvedTraceContext } from '../context/types.js';
import type { Hook } from '../hooks/hook.js';
import type { Invocation, ModelParameterValue } from '../invocation.js';
import * as A from './attributes.js';
import { lookupFor, releaseLookup } from './call-lookup.js';
import { kindFacts } from './kinds.js';
import { getLazytraceTracer } from './tracer.js';

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

/**
 * Turns one invocation into one span. Created per invocation by the tracing hook provider. The
 * span starts in `pre` with every attribute known then (so samplers see them), is the active span
 * while the business code runs (`around`), and ends in `finalize`.
 */
export class TracingHook implements Hook {
  private span: Span | undefined;
  private spanContext: Context | undefined;
  private node: CallNode | undefined;
  /** The input is content withheld from this request's spans: so is what the call makes of it. */
  private inputWithheld = false;

  constructor(
    private readonly invocation: Invocation,
    private readonly capture: boolean,
    /** Content asked for by a module switch: recorded even where content is withheld. */
    private readonly chosen = false,
  ) {}

  pre(input: unknown): void {
    const inv = this.invocation;
    // The provider's lookup for this call: one trace-context lookup per call.
    const found = lookupFor(inv);
    const { active: parent, node: parentNode, scope, context: traceContext } = found;
    releaseLookup();
    // The request's root: no lazytrace call above, or only a stand-in for a root switched off.
    const isRoot = parentNode === undefined || parentNode.rootsBelow;
    const traceName = traceContext.traceName ?? parentNode?.traceName ?? inv.name;

    const attributes = spanAttributes(inv, traceContext, traceName, isRoot);

    const span = getLazytraceTracer().startSpan(inv.name, { kind: SpanKind.INTERNAL, attributes }, parent);
    this.span = span;
    // The call's trace context, fixed now, travels in the context `around` re-enters: its
    // children, its stream's pulls and its timers see it wherever they run.
    const node = new CallNode(scope, traceContext, traceName, parentNode);
    this.node = node;
    this.spanContext = callOtelContext(parent, span, node);
    // User hooks' later phases run in it and `ctx.traceId` reads it (a root's hooks see its trace).
    inv.callContext = this.spanContext;
    const recording = span.isRecording();
    inv.recording = recording;

    // Content is serialized only for spans that are recorded (not sampled out, SDK present).
    if (!this.chosen && node.isWithheld(input)) this.inputWithheld = true;
    else if (this.capture && recording) {
      const captured = captureContent(input, inv.name, 'input');
      span.setAttribute(A.ATTR_INPUT, captured);
      if (inv.kind === 'retriever' && typeof input === 'string') queryText(span, captured);
    }
  }

  around<R>(next: () => R): R {
    return this.spanContext === undefined
      ? keepCallerScope(next)
      : context.with(this.spanContext, keepCallerScope<R>, undefined, next);
  }

  post(output: unknown): void {
    const span = this.span;
    const node = this.node;
    if (span === undefined || node === undefined) return;
    const streamed = this.invocation.stream !== undefined;
    if (!this.capture) {
      // Content off for this call but maybe not for the calls that return its output: they
      // must not record it either (nor a value derived from it, hence every call above).
      // (With the request's capture off, only modules that chose content record it, and they do.)
      if (node.context.captureContent) node.withhold(output, streamed);
    } else if (!this.chosen && (node.withheld || this.inputWithheld || node.isWithheld(output))) {
      node.withhold(output, streamed);
    } else if (span.isRecording()) {
      span.setAttribute(A.ATTR_OUTPUT, captureContent(output, this.invocation.name, 'output'));
    }
    if (!span.isRecording()) return;
    // The array test first: most outputs are not arrays, and the kind lookup is the dearer one.
    if (Array.isArray(output) && kindFacts(this.invocation.kind).documents === true) {
      span.setAttribute(A.ATTR_DOCUMENT_COUNT, output.length);
    }
  }

  onError(error: unknown): void {
    const span = this.span;
    // A span not recorded (sampled out) keeps nothing: the message and stack are not read, cut
    // nor masked for it.
    if (span === undefined || !span.isRecording()) return;
    // Message and stack budgeted and masked like any captured content (capture/error.ts).
    const { message, stack } = captureError(error, this.invocation.name);
    const name = errorType(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    span.setAttribute(A.ATTR_ERROR_TYPE, name);
    // No `stack: undefined` key: the OTel type has the property optional, not possibly undefined.
    span.recordException(stack === undefined ? { name, message } : { name, message, stack });
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

/**
 * What a call's span starts with (so samplers see it). Built in one order, so that calls share
 * one chain of object shapes (see warm-shapes.ts).
 */
export function spanAttributes(
  inv: { readonly kind: string; readonly name: string; readonly className: string },
  traceContext: ResolvedTraceContext,
  traceName: string,
  isRoot: boolean,
): Attributes {
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
  const operation = kindFacts(inv.kind).genAiOperation;
  if (operation !== undefined) attributes[A.GEN_AI_OPERATION_NAME] = operation;
  if (inv.kind === 'tool') attributes[A.GEN_AI_TOOL_NAME] = inv.name;
  return attributes;
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
