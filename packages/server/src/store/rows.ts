import { type DuckDBAppender, DuckDBTimestampTZValue } from '@duckdb/node-api';
import type { SpanRecord } from '@lazytrace/traces';

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

/**
 * One stored span as the JSON text of its SpanRecord (plus `seq`), built by DuckDB: reading a
 * 10,000-span trace is then one string and one JSON.parse, not 200,000 cell conversions.
 */
const str = (column: string) => `coalesce(to_json(${column})::VARCHAR, 'null')`;
const raw = (column: string) => `coalesce(CAST(${column} AS VARCHAR), 'null')`;
// Concatenated rather than json_object(): the JSON columns go in as the text they are, unparsed.
const RECORD_JSON = `'{"seq":' || seq || ',"traceId":"' || trace_id || '","spanId":"' || span_id ||
  '","parentSpanId":' || ${str('parent_span_id')} || ',"traceState":' || ${str('trace_state')} ||
  ',"name":' || ${str('name')} || ',"kind":' || ${str('kind')} || ',"spanKind":' || span_kind ||
  ',"startTimeUnixNano":"' || start_unix_nano || '","endTimeUnixNano":"' || end_unix_nano ||
  '","startMs":' || start_ms || ',"endMs":' || end_ms || ',"durationMs":' || duration_ms ||
  ',"status":"' || status || '","statusMessage":' || ${str('status_message')} ||
  ',"attributes":' || ${raw('attributes')} || ',"events":' || ${raw('events')} || ',"links":' || ${raw('links')} ||
  ',"resource":' || ${raw('resource')} || ',"scopeName":' || ${str('scope_name')} ||
  ',"scopeVersion":' || ${str('scope_version')} || '}'`;

/**
 * A query returning one row, one cell: a JSON array of the matching spans' records, in `order`.
 * `where` is a WHERE clause over `spans`.
 */
export function recordsQuery(where: string, order = 'start_unix_nano, seq', limit?: number): string {
  const inner = `SELECT ${RECORD_JSON} AS j, seq, start_unix_nano FROM spans ${where}`;
  const limited = limit === undefined ? inner : `${inner} ORDER BY ${order} LIMIT ${limit}`;
  return `SELECT '[' || coalesce(string_agg(j, ',' ORDER BY ${order}), '') || ']' FROM (${limited})`;
}

interface RawRecord extends Omit<SpanRecord, 'scope'> {
  seq: number;
  scopeName: string | null;
  scopeVersion: string | null;
}

/** The records of a recordsQuery answer, with their store sequence numbers. */
export function parseRecords(rows: readonly (readonly unknown[])[]): { seq: number; span: SpanRecord }[] {
  const text = rows[0]?.[0];
  if (typeof text !== 'string') return [];
  const raw = JSON.parse(text) as RawRecord[];
  return raw.map((r) => {
    const { seq, scopeName, scopeVersion, ...rest } = r;
    const span = rest as SpanRecord & Record<string, unknown>;
    for (const key of ['parentSpanId', 'traceState', 'statusMessage', 'links'] as const) {
      if (span[key] === null) delete span[key];
    }
    if (scopeName !== null)
      span.scope = scopeVersion === null ? { name: scopeName } : { name: scopeName, version: scopeVersion };
    return { seq, span };
  });
}
