import { inputOf, modelOf, outputOf, type SpanRecord, type TraceSummary } from '@lazytrace/traces';

/*
 * Columns of `spans` that only make SQL pleasant (`SELECT model, sum(input_tokens) …`) and `q`
 * search; the API answers are built from the full record by @lazytrace/traces, never from these.
 * input, output and model are read by the same functions as the API's, so `q` finds the text a
 * span shows as its input or output (tool arguments and results, Langfuse observations included).
 */

const INT64_MAX = 9_223_372_036_854_775_807n;

/** Decimal nanoseconds within BIGINT's range, as text (JSON has no 64-bit integers). */
function nanos(value: string): string {
  try {
    const n = BigInt(value);
    return (n < 0n ? 0n : n > INT64_MAX ? INT64_MAX : n).toString();
  } catch {
    return '0';
  }
}

function integer(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return null;
}

/**
 * One `spans` row as a line of JSON, for DuckDB's `read_json` (INSERT_SPANS_FROM_FILE): JSON.stringify
 * is native and DuckDB parses on its own threads, where an appender would make ~30 calls into
 * the native module per span on the event loop.
 */
export function spanRowLine(seq: number, span: SpanRecord): string {
  const a = span.attributes;
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
  return JSON.stringify({
    seq,
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId ?? null,
    trace_state: span.traceState ?? null,
    name: span.name,
    kind: span.kind,
    span_kind:
      Number.isInteger(span.spanKind) && span.spanKind >= 0 && span.spanKind < 128 ? span.spanKind : 0,
    start_unix_nano: nanos(span.startTimeUnixNano),
    end_unix_nano: nanos(span.endTimeUnixNano),
    start_ms: span.startMs,
    end_ms: span.endMs,
    duration_ms: span.durationMs,
    status: span.status,
    status_message: span.statusMessage ?? null,
    input: inputOf(span),
    output: outputOf(span),
    model: modelOf(span),
    input_tokens: input,
    output_tokens: output,
    total_tokens: total ?? (input === null && output === null ? null : (input ?? 0) + (output ?? 0)),
    session_id: typeof a['session.id'] === 'string' ? a['session.id'] : null,
    user_id: typeof a['user.id'] === 'string' ? a['user.id'] : null,
    service_name: typeof span.resource['service.name'] === 'string' ? span.resource['service.name'] : null,
    scope_name: span.scope?.name ?? null,
    scope_version: span.scope?.version ?? null,
    attributes: a,
    events: span.events,
    links: span.links ?? null,
    resource: span.resource,
  });
}

/** `read_json` column types of spanRowLine's objects; INSERT_SPANS_SELECT maps them onto `spans`. */
const ROW_TYPES =
  "{seq: 'BIGINT', trace_id: 'VARCHAR', span_id: 'VARCHAR', parent_span_id: 'VARCHAR', trace_state: 'VARCHAR', " +
  "name: 'VARCHAR', kind: 'VARCHAR', span_kind: 'TINYINT', start_unix_nano: 'VARCHAR', end_unix_nano: 'VARCHAR', " +
  "start_ms: 'DOUBLE', end_ms: 'DOUBLE', duration_ms: 'DOUBLE', status: 'VARCHAR', status_message: 'VARCHAR', " +
  "input: 'VARCHAR', output: 'VARCHAR', model: 'VARCHAR', input_tokens: 'BIGINT', output_tokens: 'BIGINT', " +
  "total_tokens: 'BIGINT', session_id: 'VARCHAR', user_id: 'VARCHAR', service_name: 'VARCHAR', scope_name: 'VARCHAR', " +
  "scope_version: 'VARCHAR', attributes: 'JSON', events: 'JSON', links: 'JSON', resource: 'JSON'}";

/**
 * read_json's `maximum_object_size` for lines up to `longest` characters: DuckDB's 16 MB default
 * unless a line is longer (it allocates buffers of twice this, within the memory limit).
 */
export function objectSizeFor(longest: number): number {
  return Math.max(16 * 1024 * 1024, Math.ceil((longest * 4 + 1024) / 1024) * 1024);
}

/** INSERT of a file of spanRowLine lines (its path a parameter: `$1`). */
export const insertSpansFromFile = (objectSize: number) => `INSERT INTO spans SELECT
  seq, trace_id, span_id, parent_span_id, trace_state, name, kind, span_kind,
  CAST(start_unix_nano AS BIGINT), CAST(end_unix_nano AS BIGINT), to_timestamp(CAST(start_unix_nano AS BIGINT) / 1e9),
  start_ms, end_ms, duration_ms, status, status_message, input, output, model,
  input_tokens, output_tokens, total_tokens, session_id, user_id, service_name, scope_name, scope_version,
  attributes, events, links, resource
  FROM read_json($1, format = 'newline_delimited', maximum_object_size = ${objectSize}, columns = ${ROW_TYPES})`;

/**
 * One stored span as one flat JSON array, built by DuckDB: reading a 10,000-span trace is then one
 * string and one JSON.parse, not 200,000 cell conversions through the native module. The scalar
 * fields go through json_array (no key names: 5.6 MB of text instead of 7.9 for the
 * benchmark's big trace, to build, copy and parse); the JSON columns are appended as the JSON text
 * they are stored as rather than passed through to_json, in one concat (a chain of `||` copies the
 * growing row at each step). Together about a third less CPU in DuckDB and JSON.parse than one
 * to_json(struct_pack(…)) per span (docs/performance.md).
 * RawRecord names the positions.
 */
const RECORD_ROW = `concat(rtrim(json_array(seq, trace_id, span_id, parent_span_id, trace_state, name, kind,
  span_kind, CAST(start_unix_nano AS VARCHAR), CAST(end_unix_nano AS VARCHAR), start_ms, end_ms, duration_ms,
  status, status_message, scope_name, scope_version), ']'),
  ',', attributes, ',', events, ',', coalesce(links, 'null'), ',', resource, ']')`;

/**
 * A record as RECORD_ROW writes it: one flat array, the scalars then the JSON columns (json_array's
 * closing bracket is trimmed: its last element is a string or null, never a `]`).
 */
type RawRecord = [
  seq: number,
  traceId: string,
  spanId: string,
  parentSpanId: string | null,
  traceState: string | null,
  name: string,
  kind: string,
  spanKind: number,
  startTimeUnixNano: string,
  endTimeUnixNano: string,
  startMs: number,
  endMs: number,
  durationMs: number,
  status: SpanRecord['status'],
  statusMessage: string | null,
  scopeName: string | null,
  scopeVersion: string | null,
  attributes: SpanRecord['attributes'],
  events: SpanRecord['events'],
  links: SpanRecord['links'] | null,
  resource: SpanRecord['resource'],
];

/**
 * A query returning one row, one cell: a JSON array of the matching spans' records, in `order`.
 * `where` is a WHERE clause over `spans`; `order` null leaves the order to the caller.
 */
export function recordsQuery(
  where: string,
  order: string | null = 'start_unix_nano, seq',
  limit?: number,
): string {
  const inner = `SELECT ${RECORD_ROW} AS j, seq, start_unix_nano FROM spans ${where}`;
  const limited = limit === undefined || order === null ? inner : `${inner} ORDER BY ${order} LIMIT ${limit}`;
  const ordered = order === null ? '' : ` ORDER BY ${order}`;
  return `SELECT '[' || coalesce(string_agg(j, ','${ordered}), '') || ']' FROM (${limited})`;
}

/** The records of a recordsQuery answer, with their store sequence numbers. */
export function parseRecords(rows: readonly (readonly unknown[])[]): { seq: number; span: SpanRecord }[] {
  const text = rows[0]?.[0];
  if (typeof text !== 'string') return [];
  const raw = JSON.parse(text) as RawRecord[];
  const out = new Array<{ seq: number; span: SpanRecord }>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i] as RawRecord;
    // Every record gets its keys in one order, the optional ones only when present (no
    // `delete`, which turns V8 objects into slow dictionaries; buildTrace reads every field).
    const span: SpanRecord = {
      traceId: s[1],
      spanId: s[2],
      name: s[5],
      kind: s[6],
      spanKind: s[7],
      startTimeUnixNano: s[8],
      endTimeUnixNano: s[9],
      startMs: s[10],
      endMs: s[11],
      durationMs: s[12],
      status: s[13],
      attributes: s[17],
      events: s[18],
      resource: s[20],
    };
    if (s[3] !== null) span.parentSpanId = s[3];
    if (s[4] !== null) span.traceState = s[4];
    if (s[14] !== null) span.statusMessage = s[14];
    if (s[19] !== null) span.links = s[19];
    if (s[15] !== null) span.scope = s[16] === null ? { name: s[15] } : { name: s[15], version: s[16] };
    out[i] = { seq: s[0], span };
  }
  return out;
}

/** One `traces` row as a line of JSON (INSERT_TRACES_FROM_FILE). */
export function traceRowLine(
  t: TraceSummary,
  rootEnded: boolean,
  lastSeq: number,
  rootSeq: number | undefined,
): string {
  return JSON.stringify({
    trace_id: t.traceId,
    name: t.name,
    status: t.status,
    start_ms: t.startMs,
    end_ms: t.startMs + t.durationMs,
    duration_ms: t.durationMs,
    span_count: t.spanCount,
    error_count: t.errorCount,
    session_id: t.sessionId,
    user_id: t.userId,
    tags: t.tags,
    model: t.model,
    input_tokens: Math.round(t.tokens.input),
    output_tokens: Math.round(t.tokens.output),
    total_tokens: Math.round(t.tokens.total),
    service_name: t.serviceName,
    root_span_id: t.rootSpanId,
    root_ended: rootEnded,
    last_seq: lastSeq,
    summary: t,
    root_seq: rootSeq ?? null,
  });
}

export const insertTracesFromFile = (objectSize: number) => `INSERT INTO traces SELECT * FROM read_json($1,
  format = 'newline_delimited', maximum_object_size = ${objectSize},
  columns = {trace_id: 'VARCHAR', name: 'VARCHAR', status: 'VARCHAR', start_ms: 'DOUBLE', end_ms: 'DOUBLE',
             duration_ms: 'DOUBLE', span_count: 'INTEGER', error_count: 'INTEGER', session_id: 'VARCHAR',
             user_id: 'VARCHAR', tags: 'VARCHAR[]', model: 'VARCHAR', input_tokens: 'BIGINT',
             output_tokens: 'BIGINT', total_tokens: 'BIGINT', service_name: 'VARCHAR', root_span_id: 'VARCHAR',
             root_ended: 'BOOLEAN', last_seq: 'BIGINT', summary: 'JSON', root_seq: 'BIGINT'})`;
