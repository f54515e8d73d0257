/**
 * What a span means, read from its attributes: lazytrace's own names first (copied from
 * @lazytrace/core's attributes.ts; this package imports no other lazytrace package), then the
 * OTel GenAI and OpenInference names, so plain OpenTelemetry apps show something too.
 */
import type { SpanRecord, TokenCounts } from './types.js';

export const ATTR_KIND = 'lazytrace.kind';
export const ATTR_CLASS = 'lazytrace.class';
export const ATTR_INPUT = 'lazytrace.input';
export const ATTR_OUTPUT = 'lazytrace.output';
export const ATTR_TRACE_NAME = 'lazytrace.trace.name';
export const ATTR_TAGS = 'lazytrace.tags';
export const ATTR_ROOT = 'lazytrace.root';
export const ATTR_SESSION_ID = 'session.id';
export const ATTR_USER_ID = 'user.id';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_STREAM = 'lazytrace.stream';
export const ATTR_STREAM_CHUNKS = 'lazytrace.stream.chunks';
export const ATTR_STREAM_TIME_TO_FIRST_CHUNK_MS = 'lazytrace.stream.time_to_first_chunk_ms';
export const ATTR_STREAM_CANCELLED = 'lazytrace.stream.cancelled';
export const ATTR_DOCUMENT_COUNT = 'lazytrace.documents.count';
export const ATTR_USAGE_TOTAL_TOKENS = 'lazytrace.usage.total_tokens';
export const ATTR_IFS_BRANCH = 'lazytrace.ifs.branch';
export const ATTR_SWITCH_CASE = 'lazytrace.switch.case';
export const ATTR_LOOP_ITERATIONS = 'lazytrace.loop.iterations';
export const GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
/** Seconds. */
export const GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';
export const SERVICE_NAME = 'service.name';

const INPUT_KEYS = [
  ATTR_INPUT,
  'input.value', // OpenInference
  'gen_ai.input.messages', // GenAI conventions (structured content)
  'gen_ai.prompt', // older GenAI / OpenLLMetry
  'gen_ai.retrieval.query.text',
  'gen_ai.tool.call.arguments',
  'langfuse.observation.input',
];
const OUTPUT_KEYS = [
  ATTR_OUTPUT,
  'output.value',
  'gen_ai.output.messages',
  'gen_ai.completion',
  'gen_ai.tool.call.result',
  'langfuse.observation.output',
];

/** Kinds named by `gen_ai.operation.name`. */
const OPERATION_KINDS: Record<string, string> = {
  chat: 'llm',
  text_completion: 'llm',
  generate_content: 'llm',
  embeddings: 'embedding',
  execute_tool: 'tool',
  invoke_agent: 'agent',
  create_agent: 'agent',
  retrieval: 'retriever',
};

/** `lazytrace.kind`, else OpenInference's span kind, else the GenAI operation, else `'span'`. */
export function kindOf(attributes: Record<string, unknown>): string {
  const kind = attributes[ATTR_KIND];
  if (typeof kind === 'string' && kind.length > 0) return kind;
  const oi = attributes['openinference.span.kind'];
  if (typeof oi === 'string' && oi.length > 0) return oi.toLowerCase();
  const op = attributes[GEN_AI_OPERATION_NAME];
  if (typeof op === 'string') return OPERATION_KINDS[op] ?? 'llm';
  const lf = attributes['langfuse.observation.type'];
  if (lf === 'generation') return 'llm';
  if (typeof lf === 'string' && lf !== 'span') return lf;
  return 'span';
}

function text(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function firstOf(span: SpanRecord, keys: readonly string[]): string | null {
  for (const key of keys) {
    const value = span.attributes[key];
    if (value !== undefined && value !== null) return text(value);
  }
  return null;
}

/** The span's input as text (lazytrace's, else GenAI / OpenInference fallbacks), or null. */
export function inputOf(span: SpanRecord): string | null {
  return firstOf(span, INPUT_KEYS) ?? eventContent(span, 'gen_ai.content.prompt', 'gen_ai.prompt');
}

export function outputOf(span: SpanRecord): string | null {
  return firstOf(span, OUTPUT_KEYS) ?? eventContent(span, 'gen_ai.content.completion', 'gen_ai.completion');
}

// The GenAI conventions' first draft put content on events.
function eventContent(span: SpanRecord, eventName: string, key: string): string | null {
  for (const event of span.events) if (event.name === eventName) return text(event.attributes[key]);
  return null;
}

export function modelOf(span: SpanRecord): string | null {
  const a = span.attributes;
  const model = a[GEN_AI_RESPONSE_MODEL] ?? a[GEN_AI_REQUEST_MODEL] ?? a['llm.model_name'];
  return typeof model === 'string' && model.length > 0 ? model : null;
}

function count(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.length > 0) {
    const n = Number(value);
    if (Number.isFinite(n)) return n;
  }
  return undefined;
}

/** Token usage, or null when the span reports none. */
export function tokensOf(span: SpanRecord): TokenCounts | null {
  const a = span.attributes;
  const input =
    count(a[GEN_AI_USAGE_INPUT_TOKENS]) ??
    count(a['gen_ai.usage.prompt_tokens']) ??
    count(a['llm.token_count.prompt']);
  const output =
    count(a[GEN_AI_USAGE_OUTPUT_TOKENS]) ??
    count(a['gen_ai.usage.completion_tokens']) ??
    count(a['llm.token_count.completion']);
  const total =
    count(a[ATTR_USAGE_TOTAL_TOKENS]) ??
    count(a['llm.token_count.total']) ??
    count(a['gen_ai.usage.total_tokens']);
  if (input === undefined && output === undefined && total === undefined) return null;
  return { input: input ?? 0, output: output ?? 0, total: total ?? (input ?? 0) + (output ?? 0) };
}

/** Milliseconds from the start of a streamed call to its first chunk, when recorded. */
export function timeToFirstChunkMs(span: SpanRecord): number | null {
  const a = span.attributes;
  const ms = count(a[ATTR_STREAM_TIME_TO_FIRST_CHUNK_MS]);
  if (ms !== undefined) return ms;
  const s = count(a[GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]);
  if (s !== undefined) return s * 1000;
  const start = a['langfuse.observation.completion_start_time'];
  if (typeof start === 'string') {
    const t = Date.parse(start.replace(/^"|"$/g, ''));
    if (Number.isFinite(t)) return Math.max(0, t - span.startMs);
  }
  return null;
}

/** Whether the call streamed its answer. */
export function isStreaming(span: SpanRecord): boolean {
  const a = span.attributes;
  return (
    a[ATTR_STREAM] === true ||
    a[GEN_AI_REQUEST_STREAM] === true ||
    a['llm.is_streaming'] === true ||
    timeToFirstChunkMs(span) !== null
  );
}

/** `error.type`, else the exception event's `exception.type`. */
export function errorTypeOf(span: SpanRecord): string | null {
  const t = span.attributes[ATTR_ERROR_TYPE];
  if (typeof t === 'string' && t.length > 0) return t;
  for (const event of span.events) {
    if (event.name !== 'exception') continue;
    const et = event.attributes['exception.type'];
    if (typeof et === 'string' && et.length > 0) return et;
  }
  return null;
}

/** The status message, else the exception event's message. */
export function errorMessageOf(span: SpanRecord): string | null {
  if (span.statusMessage !== undefined && span.statusMessage.length > 0) return span.statusMessage;
  for (const event of span.events) {
    if (event.name !== 'exception') continue;
    const m = event.attributes['exception.message'];
    if (typeof m === 'string') return m;
  }
  return null;
}

export function stringAttr(span: SpanRecord, key: string): string | null {
  const v = span.attributes[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return null;
}

export function tagsOf(span: SpanRecord): string[] {
  const v = span.attributes[ATTR_TAGS];
  if (Array.isArray(v)) return v.filter((t): t is string => typeof t === 'string');
  if (typeof v === 'string' && v.length > 0) {
    // Some writers flatten arrays to JSON text.
    if (v.startsWith('[')) {
      try {
        const parsed = JSON.parse(v);
        if (Array.isArray(parsed)) return parsed.filter((t): t is string => typeof t === 'string');
      } catch {
        // fall through: one tag
      }
    }
    return [v];
  }
  return [];
}

/** At most `max` characters, marked with an ellipsis when cut. */
export function preview(value: string | null, max: number): string | null {
  if (value === null) return null;
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

export const PREVIEW_CHARS = 500;
