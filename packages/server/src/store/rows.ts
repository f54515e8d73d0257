import { type DuckDBAppender, DuckDBTimestampTZValue } from '@duckdb/node-api';
import type { SpanRecord, SpanStatus } from '@lazytrace/traces';

/**
 * Columns of `spans` that only make SQL pleasant (`SELECT model, sum(input_tokens) …`); the API
 * answers are built from the full record by @lazytrace/traces, never from these.
 */
function firstString(attributes: Record<string, unknown>, keys: readonly string[]): string | null {
  for (const key of keys) {
    const value = attributes[key];
    if (typeof value === 'string') return value;
    if (value !== undefined && value !== null) return JSON.stringify(value);
  }
  return null;
}

function integer(value: unknown): bigint | null {
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.trunc(value));
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  return null;
}

const INPUT_KEYS = ['lazytrace.input', 'input.value', 'gen_ai.input.messages', 'gen_ai.prompt'];
const OUTPUT_KEYS = ['lazytrace.output', 'output.value', 'gen_ai.output.messages', 'gen_ai.completion'];
const MODEL_KEYS = ['gen_ai.response.model', 'gen_ai.request.model', 'llm.model_name'];

const INT64_MAX = 9_223_372_036_854_775_807n;

function nanos(value: string): bigint {
  try {
    const n = BigInt(value);
    return n < 0n ? 0n : n > INT64_MAX ? INT64_MAX : n;
  } catch {
    return 0n;
  }
}

/** One `spans` row through the appender, in SPAN_COLUMNS order. */
export function appendSpanRow(appender: DuckDBAppender, seq: bigint, span: SpanRecord): void {
  const a = span.attributes;
  const str = (value: string | null | undefined) =>
    value === null || value === undefined ? appender.appendNull() : appender.appendVarchar(value);
  const big = (value: bigint | null) =>
    value === null ? appender.appendNull() : appender.appendBigInt(value);
  appender.appendBigInt(seq);
  appender.appendVarchar(span.traceId);
  appender.appendVarchar(span.spanId);
  str(span.parentSpanId);
  str(span.traceState);
  appender.appendVarchar(span.name);
  appender.appendVarchar(span.kind);
  appender.appendTinyInt(
    Number.isInteger(span.spanKind) && span.spanKind >= 0 && span.spanKind < 128 ? span.spanKind : 0,
  );
  const start = nanos(span.startTimeUnixNano);
  appender.appendBigInt(start);
  appender.appendBigInt(nanos(span.endTimeUnixNano));
  appender.appendTimestampTZ(new DuckDBTimestampTZValue(start / 1000n));
  appender.appendDouble(span.startMs);
  appender.appendDouble(span.endMs);
  appender.appendDouble(span.durationMs);
  appender.appendVarchar(span.status);
  str(span.statusMessage);
  str(firstString(a, INPUT_KEYS));
  str(firstString(a, OUTPUT_KEYS));
  const model = firstString(a, MODEL_KEYS);
  str(model);
  const input =
    integer(a['gen_ai.usage.input_tokens']) ??
    integer(a['gen_ai.usage.prompt_tokens']) ??
    integer(a['llm.token_count.prompt']);
  const output =
    integer(a['gen_ai.usage.output_tokens']) ??
    integer(a['gen_ai.usage.completion_tokens']) ??
    integer(a['llm.token_count.completion']);
  const total =
    integer(a['lazytrace.usage.total_tokens']) ??
    integer(a['llm.token_count.total']) ??
    integer(a['gen_ai.usage.total_tokens']);
  big(input);
  big(output);
  big(total ?? (input === null && output === null ? null : (input ?? 0n) + (output ?? 0n)));
  str(typeof a['session.id'] === 'string' ? (a['session.id'] as string) : null);
  str(typeof a['user.id'] === 'string' ? (a['user.id'] as string) : null);
  str(typeof span.resource['service.name'] === 'string' ? (span.resource['service.name'] as string) : null);
  str(span.scope?.name);
  str(span.scope?.version);
  appender.appendVarchar(JSON.stringify(a));
  appender.appendVarchar(JSON.stringify(span.events));
  str(span.links === undefined ? null : JSON.stringify(span.links));
  appender.appendVarchar(JSON.stringify(span.resource));
  appender.endRow();
}

/** The columns read back to rebuild a SpanRecord. */
export const RECORD_COLUMNS =
  'seq, trace_id, span_id, parent_span_id, trace_state, name, kind, span_kind, ' +
  'CAST(start_unix_nano AS VARCHAR) AS start_unix_nano, CAST(end_unix_nano AS VARCHAR) AS end_unix_nano, ' +
  'start_ms, end_ms, duration_ms, status, status_message, scope_name, scope_version, ' +
  'CAST(attributes AS VARCHAR) AS attributes, CAST(events AS VARCHAR) AS events, ' +
  'CAST(links AS VARCHAR) AS links, CAST(resource AS VARCHAR) AS resource';

type Row = readonly unknown[];

/** A SpanRecord from a row selected with RECORD_COLUMNS (column order as there). */
export function recordFromRow(row: Row): { seq: number; span: SpanRecord } {
  const span: SpanRecord = {
    traceId: row[1] as string,
    spanId: row[2] as string,
    name: row[5] as string,
    kind: row[6] as string,
    spanKind: Number(row[7]),
    startTimeUnixNano: row[8] as string,
    endTimeUnixNano: row[9] as string,
    startMs: row[10] as number,
    endMs: row[11] as number,
    durationMs: row[12] as number,
    status: row[13] as SpanStatus,
    attributes: JSON.parse(row[17] as string),
    events: JSON.parse(row[18] as string),
    resource: JSON.parse(row[20] as string),
  };
  if (row[3] !== null) span.parentSpanId = row[3] as string;
  if (row[4] !== null) span.traceState = row[4] as string;
  if (row[14] !== null) span.statusMessage = row[14] as string;
  if (row[15] !== null) {
    span.scope = { name: row[15] as string };
    if (row[16] !== null) span.scope.version = row[16] as string;
  }
  if (row[19] !== null) span.links = JSON.parse(row[19] as string);
  return { seq: Number(row[0]), span };
}
