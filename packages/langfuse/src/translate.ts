import { attributes as A, kindFacts } from '@lazytrace/core';
import { type Attributes, type AttributeValue, SpanStatusCode } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { LangfuseSettings } from './settings.js';

/** Attribute names the Langfuse server reads (langfuse/langfuse, OTel ingestion), from core's list. */
export const LF = {
  type: A.LANGFUSE_OBSERVATION_TYPE,
  input: A.LANGFUSE_OBSERVATION_INPUT,
  output: A.LANGFUSE_OBSERVATION_OUTPUT,
  level: A.LANGFUSE_OBSERVATION_LEVEL,
  statusMessage: A.LANGFUSE_OBSERVATION_STATUS_MESSAGE,
  model: A.LANGFUSE_OBSERVATION_MODEL_NAME,
  modelParameters: A.LANGFUSE_OBSERVATION_MODEL_PARAMETERS,
  usageDetails: A.LANGFUSE_OBSERVATION_USAGE_DETAILS,
  completionStartTime: A.LANGFUSE_OBSERVATION_COMPLETION_START_TIME,
  observationMetadata: A.LANGFUSE_OBSERVATION_METADATA_PREFIX,
  traceName: A.LANGFUSE_TRACE_NAME,
  traceInput: A.LANGFUSE_TRACE_INPUT,
  traceOutput: A.LANGFUSE_TRACE_OUTPUT,
  traceTags: A.LANGFUSE_TRACE_TAGS,
  traceMetadata: A.LANGFUSE_TRACE_METADATA_PREFIX,
  sessionId: A.LANGFUSE_SESSION_ID,
  userId: A.LANGFUSE_USER_ID,
  environment: A.LANGFUSE_ENVIRONMENT,
  release: A.LANGFUSE_RELEASE,
  asRoot: A.LANGFUSE_AS_ROOT,
} as const;

const MODEL_KEYS = ['model', A.GEN_AI_REQUEST_MODEL, A.GEN_AI_RESPONSE_MODEL] as const;

/** Spans Langfuse gets by default: lazytrace's own, and any carrying GenAI attributes. */
export function isLangfuseRelevant(span: ReadableSpan): boolean {
  const attrs = span.attributes;
  if (attrs[A.ATTR_KIND] !== undefined) return true;
  for (const key in attrs) if (key.startsWith(A.GEN_AI_PREFIX)) return true;
  return false;
}

/**
 * The span as Langfuse should read it: the neutral lazytrace attributes translated, the
 * trace-wide context copied onto it (Langfuse v4 wants it on every span). The original span is
 * not touched, so other exporters keep seeing the neutral attributes.
 */
export function toLangfuseSpan(span: ReadableSpan, settings: LangfuseSettings): ReadableSpan {
  const source = span.attributes;
  const attrs: Attributes = { ...source };
  const kind = source[A.ATTR_KIND];
  const facts = typeof kind === 'string' ? kindFacts(kind) : undefined;
  const type = facts === undefined ? undefined : (facts.langfuseType ?? 'span');
  if (type !== undefined) attrs[LF.type] = type;

  if (source[A.ATTR_INPUT] !== undefined) attrs[LF.input] = source[A.ATTR_INPUT];
  if (source[A.ATTR_OUTPUT] !== undefined) attrs[LF.output] = source[A.ATTR_OUTPUT];

  const isRoot = source[A.ATTR_ROOT] === true;
  if (isRoot) {
    if (source[A.ATTR_INPUT] !== undefined) attrs[LF.traceInput] = source[A.ATTR_INPUT];
    if (source[A.ATTR_OUTPUT] !== undefined) attrs[LF.traceOutput] = source[A.ATTR_OUTPUT];
    // Under a foreign parent (an HTTP server span Langfuse never gets) it must still be the root.
    if (span.parentSpanContext !== undefined) attrs[LF.asRoot] = true;
  }

  if (span.status.code === SpanStatusCode.ERROR) {
    attrs[LF.level] = 'ERROR';
    if (span.status.message) attrs[LF.statusMessage] = span.status.message;
  }

  copyTraceContext(source, attrs, settings);

  // Langfuse expects a model on model calls only; anywhere else a model attribute would turn the
  // span into a generation.
  if (facts?.model === true) {
    addGenerationDetails(span, source, attrs);
  } else {
    // A model attribute on a non-LLM span would make Langfuse call it a generation.
    for (const key of MODEL_KEYS) {
      if (attrs[key] === undefined) continue;
      attrs[`${LF.observationMetadata}${key}`] = attrs[key];
      delete attrs[key];
    }
  }
  return withAttributes(span, attrs);
}

function copyTraceContext(source: Attributes, attrs: Attributes, settings: LangfuseSettings): void {
  const session = source[A.ATTR_SESSION_ID];
  if (session !== undefined) attrs[LF.sessionId] = session;
  const user = source[A.ATTR_USER_ID];
  if (user !== undefined) attrs[LF.userId] = user;
  const tags = source[A.ATTR_TAGS];
  if (Array.isArray(tags) && tags.length > 0) attrs[LF.traceTags] = tags.filter((t) => typeof t === 'string');
  const traceName = source[A.ATTR_TRACE_NAME];
  if (traceName !== undefined) attrs[LF.traceName] = traceName;
  for (const key in source) {
    if (key.startsWith(A.ATTR_METADATA_PREFIX)) {
      attrs[LF.traceMetadata + key.slice(A.ATTR_METADATA_PREFIX.length)] = source[key];
    }
  }
  if (settings.environment !== undefined) attrs[LF.environment] = settings.environment;
  if (settings.release !== undefined) attrs[LF.release] = settings.release;
}

function addGenerationDetails(span: ReadableSpan, source: Attributes, attrs: Attributes): void {
  const model = source[A.GEN_AI_RESPONSE_MODEL] ?? source[A.GEN_AI_REQUEST_MODEL];
  if (model !== undefined) attrs[LF.model] = model;
  const parameters = source[A.ATTR_MODEL_PARAMETERS];
  if (typeof parameters === 'string') attrs[LF.modelParameters] = parameters;

  const usage: Record<string, number> = {};
  const input = source[A.GEN_AI_USAGE_INPUT_TOKENS];
  const output = source[A.GEN_AI_USAGE_OUTPUT_TOKENS];
  const total = source[A.ATTR_USAGE_TOTAL_TOKENS];
  if (typeof input === 'number') usage.input = input;
  if (typeof output === 'number') usage.output = output;
  if (typeof total === 'number') usage.total = total;
  const details = source[A.ATTR_USAGE_DETAILS];
  if (typeof details === 'string') {
    try {
      for (const [key, value] of Object.entries(JSON.parse(details) as Record<string, unknown>)) {
        if (typeof value === 'number') usage[snakeCase(key)] = value;
      }
    } catch {
      // Not ours to fail on: the details stay in the neutral attribute.
    }
  }
  if (Object.keys(usage).length > 0) attrs[LF.usageDetails] = JSON.stringify(usage);

  const ttfc = source[A.ATTR_STREAM_TIME_TO_FIRST_CHUNK_MS];
  if (typeof ttfc === 'number') {
    attrs[LF.completionStartTime] = new Date(hrTimeToMilliseconds(span.startTime) + ttfc).toISOString();
  }
}

function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A read-only view of `span` with other attributes; everything else is the span's own. */
function withAttributes(span: ReadableSpan, attributes: Attributes): ReadableSpan {
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes: attributes as Record<string, AttributeValue>,
    links: span.links,
    events: span.events,
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}
