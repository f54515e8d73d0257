/**
 * The tolerant OTLP-JSON reader. Accepts what OTLP writers actually produce: one
 * ExportTraceServiceRequest per line (lazytrace's file backend, the OTel Collector's file
 * exporter), one pretty-printed object, an array of requests or of spans; ids in hex or base64;
 * int64 as strings or numbers. Bad lines are skipped and reported, never thrown.
 */
import {
  decodeId,
  decodeInt64,
  decodeKeyValues,
  decodeSpanKind,
  decodeStatusCode,
  nanosToMs,
} from './otlp-values.js';
import { kindOf } from './semantics.js';
import type { ReadProblem, ReadResult, SpanEventRecord, SpanLinkRecord, SpanRecord } from './types.js';

export interface ReadOptions {
  /** Called for each problem as it is found (they are also returned). */
  onProblem?: (problem: ReadProblem) => void;
}

/** Problems kept per read; beyond this they are counted in one last problem. */
const MAX_PROBLEMS = 100;

/** Collects problems, bounded, so a binary file fed by mistake cannot make a million of them. */
export class ProblemLog {
  readonly problems: ReadProblem[] = [];
  private dropped = 0;
  constructor(private readonly onProblem?: (problem: ReadProblem) => void) {}

  add(problem: ReadProblem): void {
    try {
      this.onProblem?.(problem);
    } catch {
      // A failing callback must not stop the reading.
    }
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(problem);
    else this.dropped++;
  }

  finish(): ReadProblem[] {
    if (this.dropped > 0) {
      this.problems.push({ kind: 'invalid-json', message: `${this.dropped} more problems not listed` });
      this.dropped = 0;
    }
    return this.problems;
  }
}

/** Reads OTLP-JSON text: JSON lines, one object, or an array. Never throws. */
export function readOtlpJson(input: string, opts: ReadOptions = {}): ReadResult {
  const log = new ProblemLog(opts.onProblem);
  // A byte order mark (editors on Windows) is not JSON.
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const spans: SpanRecord[] = [];
  const first = firstNonSpace(text);
  if (first === -1) return { spans, problems: log.finish() };
  const c = text.charCodeAt(first);
  if ((c === 0x7b /* { */ || c === 0x5b) /* [ */ && !isJsonLines(text, first)) {
    // One document (pretty-printed object or array, or a single line).
    let whole: unknown;
    let parsed = false;
    try {
      whole = JSON.parse(text);
      parsed = true;
    } catch {
      // Not one document: read it as lines below.
    }
    if (parsed) {
      collect(whole, spans, log, undefined);
      return { spans, problems: log.finish() };
    }
    // A pretty-printed document starts with a line holding only its opening bracket: it is one
    // document that does not parse (cut short, most likely), not a hundred bad lines.
    const eol = text.indexOf('\n', first);
    if (eol !== -1 && text.slice(first + 1, eol).trim().length === 0) {
      log.add({
        line: 1,
        kind: text.trimEnd().endsWith(c === 0x7b ? '}' : ']') ? 'invalid-json' : 'torn-line',
        message: 'the text is one JSON document that does not parse (incomplete?): nothing read',
      });
      return { spans, problems: log.finish() };
    }
  }
  readLines(text, spans, log);
  return { spans, problems: log.finish() };
}

/**
 * Whether the text is JSON lines: its first line parses alone and more follows. Decided from the
 * first line, because a failed JSON.parse of the whole text still costs a scan of all of it.
 */
function isJsonLines(text: string, first: number): boolean {
  const eol = text.indexOf('\n', first);
  if (eol === -1 || firstNonSpace(text.slice(eol + 1, eol + 4096)) === -1) return false;
  try {
    JSON.parse(text.slice(first, eol));
    return true;
  } catch {
    return false;
  }
}

function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09 && c !== 0xfeff) return i;
  }
  return -1;
}

function readLines(text: string, spans: SpanRecord[], log: ProblemLog): void {
  let start = 0;
  let lineNumber = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    const terminated = end !== -1;
    if (!terminated) end = text.length;
    lineNumber++;
    const line = text.slice(start, end);
    start = end + 1;
    readLine(line, lineNumber, !terminated, spans, log);
  }
}

/** One line; `last` = not newline-terminated, so a parse failure is a torn write. */
export function readLine(
  line: string,
  lineNumber: number,
  last: boolean,
  spans: SpanRecord[],
  log: ProblemLog,
): void {
  if (firstNonSpace(line) === -1) return;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    log.add(
      last
        ? {
            line: lineNumber,
            kind: 'torn-line',
            message: `line ${lineNumber} is incomplete (${line.length} characters, no line end): skipped`,
          }
        : {
            line: lineNumber,
            kind: 'invalid-json',
            message: `line ${lineNumber}: ${(error as Error).message}`,
          },
    );
    return;
  }
  collect(value, spans, log, lineNumber);
}

/** One line of an OTLP-JSON lines file. Never throws. */
export function parseOtlpJsonLine(
  line: string,
  lineNumber?: number,
): { spans: SpanRecord[]; problem?: ReadProblem } {
  const spans: SpanRecord[] = [];
  const log = new ProblemLog();
  readLine(line, lineNumber ?? 1, false, spans, log);
  const problem = log.problems[0];
  return problem === undefined ? { spans } : { spans, problem };
}

/** Spans of an ExportTraceServiceRequest object (JSON-decoded or protobufjs toObject output). */
export function fromOtlpRequest(request: unknown): SpanRecord[] {
  const spans: SpanRecord[] = [];
  collect(request, spans, new ProblemLog(), undefined);
  return spans;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A request, a list of requests or spans, a resourceSpans entry or a bare span. */
function collect(value: unknown, spans: SpanRecord[], log: ProblemLog, line: number | undefined): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, spans, log, line);
    return;
  }
  if (!isObject(value)) {
    log.add({ line, kind: 'unknown-shape', message: `${where(line)}not an OTLP object` });
    return;
  }
  const resourceSpans = value.resourceSpans ?? value.resource_spans;
  if (Array.isArray(resourceSpans)) {
    for (const rs of resourceSpans) readResourceSpans(rs, spans, log, line);
    return;
  }
  if (Array.isArray(value.scopeSpans) || Array.isArray(value.instrumentationLibrarySpans)) {
    readResourceSpans(value, spans, log, line);
    return;
  }
  if ('traceId' in value && 'spanId' in value) {
    const resource = isObject(value.resource) ? resourceAttributes(value.resource) : {};
    const scope = isObject(value.scope) ? scopeOf(value.scope) : undefined;
    readSpan(value, resource, scope, spans, log, line);
    return;
  }
  if (isObject(value.data) && Array.isArray((value.data as { resourceSpans?: unknown }).resourceSpans)) {
    collect(value.data, spans, log, line);
    return;
  }
  // An empty export request ({}) is valid OTLP: nothing to read, nothing to report.
  if (Object.keys(value).length === 0) return;
  log.add({ line, kind: 'unknown-shape', message: `${where(line)}no resourceSpans and not a span` });
}

function where(line: number | undefined): string {
  return line === undefined ? '' : `line ${line}: `;
}

function resourceAttributes(resource: Record<string, unknown>): Record<string, unknown> {
  const attrs = resource.attributes;
  return decodeKeyValues(attrs);
}

function scopeOf(scope: Record<string, unknown>): { name: string; version?: string } | undefined {
  const name = typeof scope.name === 'string' ? scope.name : '';
  const version = typeof scope.version === 'string' && scope.version.length > 0 ? scope.version : undefined;
  return version === undefined ? { name } : { name, version };
}

function readResourceSpans(
  rs: unknown,
  spans: SpanRecord[],
  log: ProblemLog,
  line: number | undefined,
): void {
  if (!isObject(rs)) return;
  const resource = isObject(rs.resource) ? resourceAttributes(rs.resource) : {};
  const scopeSpans = rs.scopeSpans ?? rs.instrumentationLibrarySpans ?? rs.scope_spans;
  if (!Array.isArray(scopeSpans)) return;
  for (const ss of scopeSpans) {
    if (!isObject(ss)) continue;
    const scopeValue = ss.scope ?? ss.instrumentationLibrary;
    const scope = isObject(scopeValue) ? scopeOf(scopeValue) : undefined;
    const list = ss.spans;
    if (!Array.isArray(list)) continue;
    for (const span of list) readSpan(span, resource, scope, spans, log, line);
  }
}

function readSpan(
  raw: unknown,
  resource: Record<string, unknown>,
  scope: { name: string; version?: string } | undefined,
  spans: SpanRecord[],
  log: ProblemLog,
  line: number | undefined,
): void {
  if (!isObject(raw)) return;
  const traceId = decodeId(raw.traceId, 16);
  const spanId = decodeId(raw.spanId, 8);
  if (traceId === undefined || spanId === undefined || traceId.length !== 32 || spanId.length !== 16) {
    log.add({
      line,
      kind: 'invalid-span',
      message: `${where(line)}span ${JSON.stringify(raw.name ?? '')} has no valid traceId/spanId: skipped`,
    });
    return;
  }
  const start = decodeInt64(raw.startTimeUnixNano);
  const end = decodeInt64(raw.endTimeUnixNano) ?? start;
  if (start === undefined || end === undefined) {
    log.add({
      line,
      kind: 'invalid-span',
      message: `${where(line)}span ${spanId} has no startTimeUnixNano: skipped`,
    });
    return;
  }
  const startMs = nanosToMs(start);
  const endMs = nanosToMs(end);
  const attributes = decodeKeyValues(raw.attributes);
  const status = raw.status;
  const name = typeof raw.name === 'string' ? raw.name : String(raw.name ?? '');
  const record: SpanRecord = {
    traceId,
    spanId,
    name,
    kind: kindOf(attributes),
    spanKind: decodeSpanKind(raw.kind),
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    startMs,
    endMs,
    durationMs: Math.max(0, endMs - startMs),
    status:
      typeof status === 'string'
        ? status === 'error' || status === 'ok'
          ? status
          : decodeStatusCode(status)
        : decodeStatusCode(isObject(status) ? status.code : undefined),
    attributes,
    events: readEvents(raw.events),
    resource,
  };
  const parent = decodeId(raw.parentSpanId, 8);
  if (parent !== undefined) record.parentSpanId = parent;
  if (typeof raw.traceState === 'string' && raw.traceState.length > 0) record.traceState = raw.traceState;
  const message = isObject(status) ? status.message : raw.statusMessage;
  if (typeof message === 'string' && message.length > 0) record.statusMessage = message;
  const links = readLinks(raw.links);
  if (links !== undefined) record.links = links;
  if (scope !== undefined) record.scope = scope;
  spans.push(record);
}

function readEvents(raw: unknown): SpanEventRecord[] {
  if (!Array.isArray(raw) || raw.length === 0) return [];
  const events: SpanEventRecord[] = [];
  for (const e of raw) {
    if (!isObject(e)) continue;
    const time = decodeInt64(e.timeUnixNano) ?? '0';
    events.push({
      name: typeof e.name === 'string' ? e.name : '',
      timeUnixNano: time,
      timeMs: nanosToMs(time),
      attributes: decodeKeyValues(e.attributes),
    });
  }
  return events;
}

function readLinks(raw: unknown): SpanLinkRecord[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const links: SpanLinkRecord[] = [];
  for (const l of raw) {
    if (!isObject(l)) continue;
    const traceId = decodeId(l.traceId, 16);
    const spanId = decodeId(l.spanId, 8);
    if (traceId === undefined || spanId === undefined) continue;
    const link: SpanLinkRecord = { traceId, spanId, attributes: decodeKeyValues(l.attributes) };
    if (typeof l.traceState === 'string' && l.traceState.length > 0) link.traceState = l.traceState;
    links.push(link);
  }
  return links.length > 0 ? links : undefined;
}
